import sys

from agents.cli.commands import main

sys.exit(main())
