"""CircleCI request handling without AWS: trigger bodies, masks, signed output URLs, greedy routes."""

from __future__ import annotations

import pytest

from switchyard.api.circleci.links import Links
from switchyard.api.circleci.routes import TriggerIn, build_parameters
from switchyard.api.common import RestResolver, path_parameter
from switchyard.domain.errors import Invalid
from switchyard.domain.model import Job
from switchyard.domain.states import State
from switchyard.services.envvars import hint_of
from tests.events import api_event


def test_pycircleci_trigger_body_puts_extra_keys_into_build_parameters():
    body = TriggerIn.model_validate({"parallel": None, "revision": None, "tag": None,
                                     "build_parameters": {"A": "1", "FLAG": True}, "EXTRA": 2, "nested": {"x": 1},
                                     "not-a-name": "ignored", "skipped": None})
    assert build_parameters(body) == {"A": "1", "FLAG": "true", "EXTRA": "2", "nested": '{"x":1}'}


def test_explicit_build_parameters_win_and_must_be_variable_names():
    assert build_parameters(TriggerIn.model_validate({"A": "top", "build_parameters": {"A": "inner"}})) == {
        "A": "inner"}
    with pytest.raises(Invalid):
        build_parameters(TriggerIn.model_validate({"build_parameters": {"1BAD": "x"}}))


@pytest.mark.parametrize(("value", "hint"), [("s3cr3t-value-1234", "1234"), ("12345678", "5678"),
                                             ("short12", ""), ("bar", "")])
def test_masks_show_the_last_four_characters_only_of_long_values(value, hint):
    assert hint_of(value) == hint


def _job() -> Job:
    return Job(state=State.SUCCESS, history=[], id="j" * 24, build_num=3)


def test_signed_output_urls_expire_and_cannot_be_forged():
    links = Links("http://ci.test/", "key")
    url = links.output(_make_project(), _job(), 2, now=1000)
    expires = url.split("expires=")[1].split("&")[0]
    signature = url.split("signature=")[1]
    assert links.output_allowed(_job(), 2, 0, expires, signature, now=1000)
    assert not links.output_allowed(_job(), 3, 0, expires, signature, now=1000)
    assert not links.output_allowed(_job(), 2, 0, expires, signature, now=int(expires) + 1)
    assert not Links("http://ci.test", "other").output_allowed(_job(), 2, 0, expires, signature, now=1000)
    assert not Links("http://ci.test", "").output_allowed(_job(), 2, 0, expires, links.signature(
        "j" * 24, 2, 0, int(expires)), now=1000)


def _make_project():
    from switchyard.domain.model import Project

    return Project(id="p", owner_id="o", provider="bitbucket", full_name="team/repo", clone_url="", default_branch="m",
                   is_private=False, auto_build=True, created_at="", updated_at="")


def test_greedy_rule_matches_slashes_and_reads_the_decoded_parameter():
    app = RestResolver()

    @app.post("/p/<user>/tree/<branch+>")
    def tree(user: str):
        return {"user": user, "branch": path_parameter(app, "branch")}

    event = api_event("POST", "/p/ada/tree/feature/x", resource="/p/{user}/tree/{branch+}",
                      path_params={"user": "ada", "branch": "feature%2Fy"})
    answer = app.resolve(event, None)
    assert answer["statusCode"] == 200 and answer["body"] == '{"user":"ada","branch":"feature/y"}'
