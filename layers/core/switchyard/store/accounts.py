"""Accounts and their tokens (stored as SHA-256 digests, shown once)."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain import clock, ids
from ..domain.errors import Conflict
from ..domain.model import Account, hash_token, new_token
from .models import AccountModel, ProjectModel, TokenModel


def _account(item: AccountModel) -> Account:
    return Account(
        id=item.id,
        login=item.login,
        created_at=item.created_at,
        name=item.name or "",
        email=item.email or "",
        is_admin=bool(item.is_admin),
    )


def create_account(login: str, name: str = "", email: str = "") -> tuple[Account, str]:
    """Create an account with its first token; the login is claimed atomically so it stays unique."""
    account_id = ids.new_id()
    created = clock.now_iso()
    token = new_token()
    account = AccountModel(account_id, kind="account", created_at=created, login=login, name=name, email=email)
    claim = AccountModel(f"login#{login.lower()}", kind="login", created_at=created, login=login, account_id=account_id)
    token_item = TokenModel(hash_token(token), account_id=account_id, created_at=created, label="initial")
    try:
        with TransactWrite(connection=Connection(region=AccountModel.Meta.region)) as tx:
            tx.save(claim, condition=AccountModel.id.does_not_exist())
            tx.save(account, condition=AccountModel.id.does_not_exist())
            tx.save(token_item, condition=TokenModel.token_hash.does_not_exist())
    except TransactWriteError as err:
        raise Conflict(f"an account with login '{login}' already exists", field="login") from err
    return _account(account), token


def get_account(account_id: str) -> Account | None:
    try:
        item = AccountModel.get(account_id)
    except DoesNotExist:
        return None
    return _account(item) if item.kind == "account" else None


def get_account_by_login(login: str) -> Account | None:
    try:
        claim = AccountModel.get(f"login#{login.lower()}")
    except DoesNotExist:
        return None
    return get_account(claim.account_id) if claim.account_id else None


def list_accounts(limit: int = 100) -> list[Account]:
    """Every account, oldest first: admin listing through the by-kind index."""
    return [_account(item) for item in AccountModel.by_kind.query("account", limit=limit)]


def issue_token(account_id: str, label: str = "") -> str:
    token = new_token()
    TokenModel(hash_token(token), account_id=account_id, created_at=clock.now_iso(), label=label).save(
        condition=TokenModel.token_hash.does_not_exist()
    )
    return token


def account_for_token(token: str) -> Account | None:
    """The account a presented token belongs to, by one GetItem on its digest."""
    try:
        item = TokenModel.get(hash_token(token))
    except DoesNotExist:
        return None
    return get_account(item.account_id)


def delete_account(account_id: str) -> None:
    """Remove an account, its login claim and every token; refuse while it owns projects."""
    account = get_account(account_id)
    if account is None:
        return
    if next(iter(ProjectModel.by_owner.query(account_id, limit=1)), None) is not None:
        raise Conflict("the account still owns projects; delete or transfer them first")
    for token in TokenModel.by_account.query(account_id):
        TokenModel(token.token_hash).delete()
    AccountModel(f"login#{account.login.lower()}").delete()
    AccountModel(account_id).delete()
