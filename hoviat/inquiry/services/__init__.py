"""Inquiry writes: partners and keys, answering inquiries (count, read, sign, log), card
authentication challenges, and sealing the inquiry log into the audit chain. Each module owns
one concern; its public names are re-exported here.

Why a separate inquiry log: the audit chain appends under one row lock (AuditHead), so every
append waits for the one before it. At a bank's peak of ≥1,000 inquiries a second that lock
would serialise every answer. Each inquiry is therefore one plain INSERT into the append-only
InquiryLog, and a sweep seals the log in batches: one audit row per batch carries the SHA-256
chain digest over the batch's rows, so an edited, removed or inserted log row no longer
matches its seal (`hoviat inquiry verify-log`), exactly as an edited audit row would not.
"""

from hoviat.inquiry.services._answering import *  # noqa: F403
from hoviat.inquiry.services.authentication import *  # noqa: F403
from hoviat.inquiry.services.holder import *  # noqa: F403
from hoviat.inquiry.services.inquiries import *  # noqa: F403
from hoviat.inquiry.services.log_seal import *  # noqa: F403
from hoviat.inquiry.services.partners import *  # noqa: F403
