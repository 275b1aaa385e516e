"""The `kladovka` command, run as a real subprocess against the test database (same DATABASE_URL and
KLADOVKA_VAR_DIR as this process; its writes are committed, so the test sees them).
Exit codes: 0 ok, 1 refused or failed (with a message a person understands), 2 wrong usage."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from harness import free_port

from server.config import PROJECT_ROOT
from server.domain.users.accounts import authenticate, create_user
from server.domain.users.manage import get_user_by_name
from tests.routes.admin_helpers import sign_in

SCRIPT = Path(sys.executable).parent / "kladovka"  # the console script of pyproject's [project.scripts]
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "server.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KLADOVKA_PASSWORD"}
    env.update(extra)
    return env


async def kladovka(*args: str, **env: str) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(subprocess.run, [*COMMAND, *args], capture_output=True, text=True,
                                   env=_env(**env), cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, timeout=180)


def _out(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


async def test_wrong_usage_exits_2():
    for args in (("bogus",), ("user", "create", "anna"), ("token", "revoke", "not-a-number")):
        result = await kladovka(*args)
        assert result.returncode == 2, (args, _out(result))
        assert "usage" in (result.stdout + result.stderr).lower()
    no_password = await kladovka("user", "create", "anna", "--role", "manager")
    assert no_password.returncode == 2, _out(no_password)
    assert "--password or KLADOVKA_PASSWORD" in no_password.stderr


async def test_user_create_with_two_roles_can_sign_in(client):
    result = await kladovka("user", "create", "Anna", "--role", "manager,cashier", "--password", "pw-1234",
                            "--name", "Анна Петрова")
    assert result.returncode == 0, _out(result)
    assert "user anna created with roles: cashier, manager" in result.stdout
    user = await get_user_by_name("anna")
    assert user.roles == ("cashier", "manager") and user.full_name == "Анна Петрова"
    response = await sign_in(client, "anna", "pw-1234")
    assert response.headers["location"] == "/manager/"
    # repeat --role works too; the password may come from KLADOVKA_PASSWORD
    repeated = await kladovka("user", "create", "petr", "--role", "picker", "--role", "courier",
                              KLADOVKA_PASSWORD="pw-5678")
    assert repeated.returncode == 0, _out(repeated)
    assert (await authenticate("petr", "pw-5678")).roles == ("courier", "picker")


async def test_user_create_refusals_exit_1_with_a_clear_message():
    await create_user("anna", "secret1", ["manager"])
    duplicate = await kladovka("user", "create", "anna", "--role", "manager", "--password", "secret1")
    assert duplicate.returncode == 1 and "User anna already exists" in duplicate.stderr, _out(duplicate)
    bad_role = await kladovka("user", "create", "boris", "--role", "janitor", "--password", "secret1")
    assert bad_role.returncode == 1, _out(bad_role)
    assert "Unknown role: janitor. Roles: owner, manager, picker, courier, cashier" in bad_role.stderr
    short = await kladovka("user", "create", "boris", "--role", "manager", "--password", "ab")
    assert short.returncode == 1 and "at least 4 characters" in short.stderr, _out(short)
    assert "Traceback" not in duplicate.stderr + bad_role.stderr + short.stderr


async def test_user_list_and_passwd():
    await create_user("anna", "secret1", ["manager", "cashier"])
    listing = await kladovka("user", "list")
    assert listing.returncode == 0, _out(listing)
    assert "anna" in listing.stdout and "cashier, manager" in listing.stdout
    changed = await kladovka("user", "passwd", "anna", "--password", "new-secret")
    assert changed.returncode == 0 and "password of anna changed" in changed.stdout, _out(changed)
    assert await authenticate("anna", "secret1") is None
    assert await authenticate("anna", "new-secret") is not None
    missing = await kladovka("user", "passwd", "nobody", "--password", "new-secret")
    assert missing.returncode == 1 and "User nobody not found" in missing.stderr, _out(missing)
    no_password = await kladovka("user", "passwd", "anna")
    assert no_password.returncode == 2, _out(no_password)


async def test_token_create_list_revoke(client):
    created = await kladovka("token", "create", "Сайт", "--role", "manager", "--role", "picker")
    assert created.returncode == 0, _out(created)
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("kl_") and " " not in token
    assert "roles: manager, picker" in created.stdout
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/warehouses", headers=headers)).status_code == 200

    listing = await kladovka("token", "list")
    assert listing.returncode == 0 and "Сайт" in listing.stdout and token[:10] in listing.stdout, _out(listing)
    assert token not in listing.stdout
    token_id = next(line.split()[0] for line in listing.stdout.splitlines() if "Сайт" in line)

    revoked = await kladovka("token", "revoke", token_id)
    assert revoked.returncode == 0, _out(revoked)
    assert (await client.get("/api/v1/warehouses", headers=headers)).status_code == 401
    missing = await kladovka("token", "revoke", "999")
    assert missing.returncode == 1 and "API token 999 not found" in missing.stderr, _out(missing)
    bad_role = await kladovka("token", "create", "x", "--role", "boss")
    assert bad_role.returncode == 1 and "Unknown role: boss" in bad_role.stderr, _out(bad_role)


async def test_token_defaults_to_the_manager_role():
    created = await kladovka("token", "create", "1С")
    assert created.returncode == 0, _out(created)
    assert "roles: manager)" in created.stdout


async def test_demo_refuses_a_database_with_data():
    await create_user("anna", "secret1", ["manager"])
    refused = await kladovka("demo")
    assert refused.returncode == 1, _out(refused)
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    skipped = await kladovka("demo", "--if-empty")
    assert skipped.returncode == 0, _out(skipped)
    assert (await get_user_by_name("anna")).roles == ("manager",)


async def test_migrate_and_ledger_rebuild_on_an_up_to_date_database():
    migrated = await kladovka("migrate")
    assert migrated.returncode == 0 and "up to date" in migrated.stdout, _out(migrated)
    check = await kladovka("ledger", "rebuild", "--check")
    assert check.returncode == 0 and "all equal the sum of moves" in check.stdout, _out(check)
    rebuild = await kladovka("ledger", "rebuild")
    assert rebuild.returncode == 0, _out(rebuild)


async def test_a_bad_database_url_is_explained():
    result = await kladovka("user", "list", DATABASE_URL="mysql://localhost/shop")
    assert result.returncode == 1, _out(result)
    assert "DATABASE_URL must start with sqlite:/// or postgresql://" in result.stderr
    assert "Traceback" not in result.stderr


async def test_an_unknown_online_receipts_setting_stops_serve_and_worker_with_the_values_allowed():
    for command in (("serve", "--port", str(free_port())), ("worker", "--once")):
        result = await kladovka(*command, KLADOVKA_ONLINE_RECEIPTS="yookassa")
        assert result.returncode == 1, (command, _out(result))
        assert "KLADOVKA_ONLINE_RECEIPTS must be one of kladovka, site, got 'yookassa'" in result.stderr
        assert "Traceback" not in result.stderr


async def test_assets_without_npm_says_what_to_install():
    marker = PROJECT_ROOT / "pwa" / "common" / "static" / "vendor" / ".lock-sha256"
    if marker.exists():  # already in place: the plain command changes nothing and says so
        result = await kladovka("assets")
        assert result.returncode == 0 and "files in place" in result.stdout, _out(result)
    forced = await kladovka("assets", "--force", PATH=str(Path(sys.executable).parent))
    assert forced.returncode == 1, _out(forced)
    assert "npm is not installed" in forced.stderr


async def test_serve_answers_health_checks():
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", env=_env(),
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        answer = None
        deadline = time.monotonic() + 90  # a bail-out for a broken server, not a speed requirement
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline and proc.returncode is None:
                try:
                    answer = await http.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.3)
        assert answer is not None, f"server did not start (exit {proc.returncode})"
        assert answer.status_code == 200 and answer.text == "ok"
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
        except TimeoutError:
            proc.kill()
            output, _ = await proc.communicate()
    assert "Kladovka: http://127.0.0.1" in output.decode()
