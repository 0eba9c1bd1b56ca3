"""The bundle an auditor verifies offline — streams of a service's log, the seal that covers them and the
proofs that tie the two — and its verifier: `python -m contracts.verify LOT.jsonl --key TROUSSEAU.json`.

`records` gives the bundle's format, line by line; `writing` writes a bundle; `checking` checks one into a
`report`; `command` is the command line. The verifier imports only the standard library, pydantic,
cryptography and `contracts`.
"""

from contracts.verify.checking import check_bundle, verify_bundle
from contracts.verify.command import main
from contracts.verify.report import BundleReport
from contracts.verify.writing import bundle_lines, write_bundle

__all__ = ["BundleReport", "bundle_lines", "check_bundle", "main", "verify_bundle", "write_bundle"]
