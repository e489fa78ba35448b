"""PKI writes: receipt-signing keys, the CAs, card certificates, the CRL, OCSP, and the chip.
Each module owns one concern; its public names are re-exported here.

Settings read here (declared in hoviat/settings.py, each from its HOVIAT_ variable):
- PKI_PASSPHRASE: encrypts the private keys at rest. Default: HOVIAT_PKI_PASSPHRASE from the
  environment, else a development secret generated into var/pki_passphrase.
- PKI_RECEIPT_KEY_AUTO_CREATE (default DEBUG): when no key signs right now, make one on
  demand, so development, tests and `hoviat demo` just work. Production turns it off and runs
  `hoviat pki init` once (and `hoviat pki rotate-receipt-key` yearly): a missing key is then a
  loud ReceiptKeyMissing instead of a key nobody meant to create.
- PKI_RECEIPT_KEY_SIGNING_DAYS (default 365): how long a new key signs.
- PKI_CA_AUTO_CREATE (default DEBUG): make the root and issuing CA on first issuance.
- PKI_ROOT_CERT_FILE, PKI_ISSUING_CERT_FILE, PKI_ISSUING_KEY_FILE (production): the CA
  certificates (PEM) and the issuing CA's key (PKCS#8 PEM encrypted with PKI_PASSPHRASE);
  `hoviat pki init` then records the certificates, and the key is only ever read from the file.
- PKI_ROOT_VALIDITY_YEARS (20), PKI_ISSUING_VALIDITY_YEARS (10): lifetimes `pki init` gives.
- PKI_CRL_VALIDITY_HOURS (24): nextUpdate of a CRL; PKI_OCSP_VALIDITY_MINUTES (60).
- CHIP_STORE_KEY: seals the emulated chips' keys. Default: HOVIAT_CHIP_STORE_KEY, else a
  development secret in var/chip_store_key.
"""

from hoviat.pki.services.cas import *  # noqa: F403
from hoviat.pki.services.certificates import *  # noqa: F403
from hoviat.pki.services.chips import *  # noqa: F403
from hoviat.pki.services.crl import *  # noqa: F403
from hoviat.pki.services.ocsp import *  # noqa: F403
from hoviat.pki.services.personalisation import *  # noqa: F403
from hoviat.pki.services.receipt_keys import *  # noqa: F403
