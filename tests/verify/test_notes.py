"""What `check --config` says beside its verdict about the config's method: a keyless
method is checked as the cloud sees it, a stored credential it cannot read is named with
the flag that gives it. One list of methods, the catalog's."""

from __future__ import annotations

import pytest

from wizard.model.catalog import REGISTRIES
from wizard.verify.service import method_note, stored_credential_note

METHODS = sorted(
    {m.auth_method.value for r in REGISTRIES.values() for m in r.methods if m.auth_method}
)


@pytest.mark.parametrize("auth_method", [*METHODS, None])
def test_each_method_gets_at_most_one_kind_of_note(auth_method: str | None) -> None:
    keyless, stored = method_note(auth_method), stored_credential_note(auth_method)
    assert not (keyless and stored)
    if auth_method == "GCP_SERVICE_ACCOUNT_JSON":
        assert stored and "--key-file" in stored
    elif auth_method == "AWS_IAM":
        assert stored and "--aws-profile" in stored
    else:
        assert stored is None
