"""The game engine: world model, movement, who-is-where and event fan-out.

Standard library only. Nothing here knows about sockets, Twisted's reactor, ANSI or JSON:
the engine is driven by plain method calls and speaks through event objects.
"""
