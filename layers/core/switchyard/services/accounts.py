"""Creating, listing and deleting accounts."""

from __future__ import annotations

from ..domain.errors import Forbidden, Invalid, NotFound
from ..domain.ids import is_object_id
from ..domain.model import Account, is_valid_login
from ..store import accounts as store


def create(caller: Account, login: str, name: str = "", email: str = "") -> tuple[Account, str]:
    if not caller.is_admin:
        raise Forbidden("only the admin token may create accounts")
    if not is_valid_login(login):
        raise Invalid("login must be 1-63 letters, digits, '.', '_' or '-'", field="login")
    return store.create_account(login, name=name, email=email)


def visible(caller: Account) -> list[Account]:
    return store.list_accounts(limit=1000) if caller.is_admin else [caller]


def get(caller: Account, account_id: str) -> Account:
    if not is_object_id(account_id):
        raise Invalid("accountId must be a 24 character hex id", field="accountId")
    if not caller.is_admin and caller.id != account_id:
        raise NotFound("account not found")
    account = store.get_account(account_id)
    if account is None:
        raise NotFound("account not found")
    return account


def delete(caller: Account, account_id: str) -> Account:
    account = get(caller, account_id)
    store.delete_account(account.id)
    return account
