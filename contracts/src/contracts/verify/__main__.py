"""`python -m contracts.verify LOT.jsonl --key TROUSSEAU.json`: runs the offline verifier's command."""

import sys

from contracts.verify.command import main

if __name__ == "__main__":
    sys.exit(main())
