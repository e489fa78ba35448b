"""`hoviat audit`: the audit log's tree: checkpoint now, prove a row, prove two trees consistent,
record a rotated signing key."""

import base64

from django.core.management.base import BaseCommand, CommandError

from hoviat.core import merkle
from hoviat.core.audit_tree import (
    AuditLogError,
    audit_checkpoint,
    audit_consistency_proof,
    audit_inclusion_proof,
    audit_rotate_key,
)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


class Command(BaseCommand):
    help = "The audit log's Merkle tree: checkpoint, prove ROW_ID, consistency OLD NEW, rotate-key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("checkpoint", help="sequence committed rows and sign a checkpoint now")
        prove = sub.add_parser("prove", help="inclusion proof of one row in the newest checkpoint")
        prove.add_argument("row_id", type=int)
        consistency = sub.add_parser(
            "consistency", help="consistency proof between two checkpoints (tree sizes)"
        )
        consistency.add_argument("old", type=int)
        consistency.add_argument("new", type=int)
        sub.add_parser("rotate-key", help="record the current signing key in the witness directory")

    def handle(self, *args, action, **options):
        try:
            if action == "checkpoint":
                self._checkpoint()
            elif action == "prove":
                self._prove(options["row_id"])
            elif action == "consistency":
                self._consistency(options["old"], options["new"])
            else:
                vkey = audit_rotate_key()
                self.stdout.write(f"Recorded the new verifier key: {vkey}")
        except AuditLogError as error:
            raise CommandError(str(error)) from None

    def _checkpoint(self):
        result = audit_checkpoint()
        made = (
            f"signed a checkpoint of {result.checkpoint} leaves"
            if result.checkpoint is not None
            else "no new checkpoint (the tree did not grow)"
        )
        self.stdout.write(
            f"Sequenced {result.sequenced} rows; {made}; tree size {result.size}, "
            f"root {_b64(bytes.fromhex(result.root))}; witness gained {result.witnessed} leaves."
        )

    def _prove(self, row_id):
        proof = audit_inclusion_proof(row_id)
        ok = merkle.inclusion_verify(
            proof.leaf_index, proof.size, proof.leaf_hash, proof.path, proof.root
        )
        self.stdout.write(f"row {proof.row_id}")
        self.stdout.write(f"leaf index {proof.leaf_index}")
        self.stdout.write(f"leaf hash {_b64(proof.leaf_hash)}")
        self.stdout.write(f"tree size {proof.size}")
        self.stdout.write(f"root {_b64(proof.root)}")
        self.stdout.write("inclusion path (leaf upwards):")
        for digest in proof.path:
            self.stdout.write(f"  {_b64(digest)}")
        self.stdout.write("checkpoint:")
        self.stdout.write(proof.checkpoint, ending="")
        if not ok:
            raise CommandError("the proof does not verify against the checkpoint's root")
        self.stdout.write(self.style.SUCCESS("The proof verifies (RFC 9162 section 2.1.3.2)."))

    def _consistency(self, old, new):
        proof = audit_consistency_proof(old, new)
        old_root, new_root = bytes.fromhex(proof.old.root), bytes.fromhex(proof.new.root)
        ok = merkle.consistency_verify(old, new, old_root, new_root, proof.path)
        self.stdout.write(f"old tree size {old}, root {_b64(old_root)}")
        self.stdout.write(f"new tree size {new}, root {_b64(new_root)}")
        self.stdout.write("consistency path:")
        for digest in proof.path:
            self.stdout.write(f"  {_b64(digest)}")
        if not ok:
            raise CommandError("the proof does not verify against the two checkpoints")
        self.stdout.write(self.style.SUCCESS("The proof verifies (RFC 9162 section 2.1.4.2)."))
