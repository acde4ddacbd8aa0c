"""Network protocols: each turns a transport's bytes into Session input and renders events."""
