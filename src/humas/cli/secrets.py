"""`humas secrets new-key|rotate`: rotating HUMAS_FERNET_KEY without re-entering any credential.

Rotation: put a new key first in HUMAS_FERNET_KEY (`new,old`), restart, run `humas secrets rotate`, then
remove the old key. Every stored secret is re-encrypted under the first key in one transaction.
"""

from __future__ import annotations

import typer
from cryptography.fernet import Fernet
from rich.console import Console

from humas.channels import service as channels_service
from humas.cli.common import handle_errors
from humas.core.db import session_scope
from humas.listening.service import rules as rules_service

console = Console()
app = typer.Typer(help="Encryption key of stored credentials (HUMAS_FERNET_KEY).", no_args_is_help=True)


@app.command("new-key")
def new_key_command() -> None:
    """Print a fresh Fernet key (put it first in HUMAS_FERNET_KEY, keep the old one after a comma)."""
    print(Fernet.generate_key().decode())


@app.command("rotate")
@handle_errors
def rotate_command() -> None:
    """Re-encrypt every stored secret under the first key of HUMAS_FERNET_KEY (all or nothing)."""
    with session_scope() as session:
        channels = channels_service.reencrypt_credentials(session)
        rules = rules_service.reencrypt_secrets(session)
    console.print(f"re-encrypted: {channels} channel(s), {rules} alert rule(s)", markup=False)
