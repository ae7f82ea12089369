"""The `zhengai` command: Django's management commands with the settings already chosen."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengai.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "zhengai"
    execute_from_command_line(argv)
