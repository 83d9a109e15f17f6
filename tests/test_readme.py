"""The README stays true: its OSC reference covers the address space, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from bridge.daemon import OUT_MESSAGES, ROUTES
from bridge.params import PARAMS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_route_and_parameter_is_in_the_osc_reference() -> None:
    reference = README.split("## OSC reference", 1)[1]
    for route in ROUTES:
        assert route.address in reference, route.address
    for address, _args, _doc in OUT_MESSAGES:
        assert address in reference, address
    for param in PARAMS:
        assert f"/segue/param/{param.name} " in reference, param.name


def test_the_osc_reference_is_exactly_what_segue_params_prints(capsys) -> None:
    """The generated block is the command's output, whole (regenerate it: ``python -m bridge params``)."""
    from bridge.cli import main

    block = README.split("<!-- segue params: start -->", 1)[1].split("<!-- segue params: end -->", 1)[0]
    text = block.strip().removeprefix("```text").removesuffix("```").strip("\n")
    assert main(["params"]) == 0
    printed = capsys.readouterr().out.strip("\n")
    assert text.splitlines() == printed.splitlines()
    addresses = {line.split()[0] for line in printed.splitlines() if line.strip().startswith("/segue/")}
    assert addresses >= {route.address for route in ROUTES}  # every route, by its whole address


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.*?)```", README, re.S)
    setup = [line for block in commands for line in block.splitlines() if "pytest" in line]
    assert setup, "the README gives no test command"
    test_command = setup[0].split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in [line.strip() for line in ci]
