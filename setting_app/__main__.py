import sys

from setting_app.cli import main

sys.exit(main())
