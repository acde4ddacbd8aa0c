"""twistd plugin: ``twistd mud [options]`` runs the MUD via mud.tap.makeService."""

from twisted.application.service import ServiceMaker

mud = ServiceMaker("MUD", "mud.tap", "A MUD server for telnet and web players.", "mud")
