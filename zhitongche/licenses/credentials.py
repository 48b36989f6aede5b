"""Building and signing the Verifiable Credential of a licence and the credential of a status list.

Signing is lazy: issuance stores only the row; the first fetch of a credential records which key
signs it and when (`License.signing_key`, `signed_at`), and every later fetch rebuilds the same bytes
(Ed25519 is deterministic, the proof's `created` is the stored time, the content comes from the row's
issuance snapshots). So a bulk issuance of millions of licences costs no signatures, nothing large is
stored per licence, and a key rotation leaves credentials already handed out unchanged and verifiable.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from zhitongche.core.calendar import SHANGHAI

from . import keys, vc
from .models import License, StatusList

# Licences of a type without an end of validity (长期有效): VC 2.0 allows omitting validUntil, but the
# credential builder and the contract expect one, so they carry the last second of year 9999 in
# Beijing time, which every verifier reads as "does not expire".
FOREVER = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)


def _beijing(moment: datetime.datetime) -> datetime.datetime:
    """The moment in UTC+08:00, whole seconds, so the credential shows the local date a person expects."""
    return moment.astimezone(SHANGHAI).replace(microsecond=0)


def unsigned_license_credential(lic: License) -> dict[str, Any]:
    """The credential of one licence version, before its proof."""
    return vc.build_license_credential(
        identifier=lic.identifier,
        issuer=keys.issuer_did(),
        holder_uscc=lic.holder.uscc,
        holder_name=lic.holder_name,
        license_type=lic.license_type.code,
        license_type_name=lic.type_name,
        fields=lic.fields or {},
        valid_from=_beijing(lic.valid_from),
        valid_until=_beijing(lic.valid_until) if lic.valid_until else FOREVER,
        credential_status=vc.credential_status_entry(keys.status_list_url(lic.status_list_id), lic.status_index),
        credential_id=f"urn:uuid:{lic.credential_id}",
    )


def signed_license_credential(lic: License) -> dict[str, Any]:
    """The signed credential; the licence must already have its signing key and time (see services)."""
    if not lic.signing_key or lic.signed_at is None:
        raise ValueError("licence has not been assigned a signing key yet")
    return vc.sign(unsigned_license_credential(lic), keys.private_key(lic.signing_key),
                   keys.verification_method(lic.signing_key), lic.signed_at.replace(microsecond=0))


def signed_status_list_credential(status_list: StatusList) -> dict[str, Any]:
    """The signed BitstringStatusListCredential of one list, signed by the active key.

    `validFrom` and the proof's `created` are the list's last change, so an unchanged list always
    yields the same bytes (and the same ETag) until the active key changes.
    """
    changed = status_list.updated_at or timezone.now()
    url = keys.status_list_url(status_list.pk)
    unsigned = vc.status_list_credential(url, keys.issuer_did(), bytes(status_list.bits), _beijing(changed))
    key_id = keys.active_key_id()
    return vc.sign(unsigned, keys.private_key(key_id), keys.verification_method(key_id),
                   changed.replace(microsecond=0))
