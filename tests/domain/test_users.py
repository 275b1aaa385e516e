import pytest

from server.domain.audit.log import history
from server.domain.users.accounts import authenticate, create_user
from server.errors import Conflict, ValidationFailed


async def test_create_and_authenticate_user():
    account = await create_user("Picker1", "secret1", ["picker"])
    assert account.username == "picker1"
    assert (await authenticate("picker1", "secret1")).roles == ("picker",)
    assert await authenticate("picker1", "wrong") is None
    assert await authenticate("nobody", "secret1") is None
    entries = await history("user", account.id)
    assert entries[0]["action"] == "user.create"


async def test_duplicate_user_and_unknown_role_are_refused():
    await create_user("anna", "secret1", ["manager"])
    with pytest.raises(Conflict):
        await create_user("Anna", "other12", ["manager"])
    with pytest.raises(ValidationFailed):
        await create_user("boris", "secret1", ["janitor"])
