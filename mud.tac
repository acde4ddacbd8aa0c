"""twistd -y mud.tac: the MUD, configured by MUD_CONFIG and MUD_* environment variables."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from twisted.application.service import Application  # noqa: E402

from mud.tap import makeService  # noqa: E402

application = Application("mud")
makeService({}).setServiceParent(application)
