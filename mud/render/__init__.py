"""Turning engine events into what a client reads: text (ANSI or plain) here, JSON later."""
