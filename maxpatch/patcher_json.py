"""Max patcher JSON under construction: boxes with their inlet/outlet counts, checked patch lines.

The counts come from the tables below (Max 8 / Max 9); ``Patcher.wire`` refuses an outlet or inlet that the
box does not have, so a bad wire fails the build rather than the patch.
"""

from __future__ import annotations

from typing import Any

# inlets, outlets and outlet types of the objects these patchers use (Max 8 / Max 9)
FIXED: dict[str, tuple[int, int, list[str]]] = {
    "udpsend": (1, 0, []),
    "udpreceive": (1, 1, [""]),
    "prepend": (2, 1, [""]),
    "tosymbol": (1, 1, [""]),
    "print": (1, 0, []),
    "notein": (1, 3, ["int", "int", "int"]),
    "noteout": (3, 0, []),
    "midiin": (1, 1, ["int"]),
    "midiout": (1, 0, []),
    "midiparse": (1, 8, ["", "", "", "int", "int", "", "int", ""]),
    "midiformat": (7, 2, ["int", ""]),
    "flush": (2, 2, ["int", "int"]),
    "loadbang": (1, 1, ["bang"]),
    "closebang": (1, 1, ["bang"]),
    "freebang": (1, 1, ["bang"]),
    "node.script": (1, 2, ["", ""]),
    "js": (1, 1, [""]),
    "live.thisdevice": (1, 3, ["bang", "int", "int"]),
    "live.path": (1, 3, ["", "", ""]),
    "live.observer": (2, 2, ["", ""]),
    "clip": (3, 1, [""]),
    "change": (1, 3, ["", "int", "int"]),
    "deferlow": (1, 1, [""]),
    "loadmess": (1, 1, [""]),
    "metro": (2, 1, ["bang"]),
}
UI: dict[str, tuple[int, int, list[str]]] = {
    "message": (2, 1, [""]),
    "comment": (1, 0, []),
    "number": (1, 2, ["", "bang"]),
    "flonum": (1, 2, ["", "bang"]),
    "umenu": (1, 3, ["int", "", ""]),
    "textedit": (1, 4, ["", "int", "", ""]),
    "button": (1, 1, ["bang"]),
    "toggle": (1, 1, ["int"]),
    "kslider": (2, 2, ["int", "int"]),
    "live.dial": (1, 2, ["", "float"]),
    "live.numbox": (1, 2, ["", "float"]),
    "live.menu": (1, 3, ["", "", "float"]),
    "live.text": (1, 2, ["", ""]),
    "live.button": (1, 1, [""]),
    "panel": (1, 0, []),
    "inlet": (0, 1, [""]),
    "outlet": (1, 0, []),
}


class Patcher:
    """A Max patcher under construction: boxes, patch lines, and the JSON Max reads."""

    def __init__(self, rect: tuple[float, float, float, float] = (60.0, 80.0, 1180.0, 820.0),
                 devicewidth: float = 0.0) -> None:
        self.rect = rect
        self.devicewidth = devicewidth
        self.boxes: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self._by_id: dict[str, dict[str, Any]] = {}

    def _add(self, box: dict[str, Any]) -> str:
        box["id"] = f"obj-{len(self.boxes) + 1}"
        self.boxes.append({"box": box})
        self._by_id[box["id"]] = box
        return box["id"]

    def obj(self, text: str, x: float, y: float, w: float | None = None,
            io: tuple[int, int, list[str]] | None = None, **attrs: Any) -> str:
        """An object box (``newobj``); inlet/outlet counts from the table, or ``io`` for variable ones."""
        name = text.split()[0]
        inlets, outlets, types = io if io is not None else FIXED[name]
        box = {"maxclass": "newobj", "text": text, "numinlets": inlets, "numoutlets": outlets,
               "outlettype": types, "patching_rect": [x, y, w or max(40.0, 7.0 * len(text) + 14), 22.0]}
        box.update(attrs)
        return self._add(box)

    def route(self, args: list[str], x: float, y: float, w: float | None = None) -> str:
        """``[route a b c]``: one outlet per argument plus the reject outlet."""
        return self.obj("route " + " ".join(args), x, y, w, io=(2, len(args) + 1, [""] * (len(args) + 1)))

    def unpack(self, n: int, x: float, y: float) -> str:
        return self.obj("unpack " + " ".join(["0"] * n), x, y, io=(1, n, ["int"] * n))

    def pack(self, n: int, x: float, y: float) -> str:
        return self.obj("pack " + " ".join(["0"] * n), x, y, io=(n, 1, [""]))

    def gate(self, x: float, y: float) -> str:
        """``[gate 1]``: closed until a non-zero int arrives in the left inlet."""
        return self.obj("gate 1", x, y, io=(2, 1, [""]))

    def trigger(self, kinds: str, x: float, y: float) -> str:
        parts = kinds.split()
        types = ["bang" if k == "b" else "int" if k == "i" else "" for k in parts]
        return self.obj("t " + kinds, x, y, io=(1, len(parts), types))

    def ui(self, maxclass: str, x: float, y: float, w: float, h: float, **attrs: Any) -> str:
        inlets, outlets, types = UI[maxclass]
        box = {"maxclass": maxclass, "numinlets": inlets, "numoutlets": outlets, "outlettype": types,
               "patching_rect": [x, y, w, h]}
        if maxclass in ("number", "flonum", "umenu", "textedit", "button", "kslider", "toggle"):
            box["parameter_enable"] = 0
        box.update(attrs)
        return self._add(box)

    def msg(self, text: str, x: float, y: float, w: float | None = None) -> str:
        return self.ui("message", x, y, w or max(40.0, 6.6 * len(text) + 12), 22.0, text=text)

    def comment(self, text: str, x: float, y: float, w: float = 260.0, lines: int = 1, **attrs: Any) -> str:
        return self.ui("comment", x, y, w, 20.0 * lines, text=text, linecount=lines, **attrs)

    def wire(self, src: str, outlet: int, dst: str, inlet: int = 0) -> None:
        """A patch line; the indices are checked here too, so a bad wire fails the build."""
        if not 0 <= outlet < self._by_id[src]["numoutlets"]:
            raise ValueError(f"{src} has no outlet {outlet}")
        if not 0 <= inlet < self._by_id[dst]["numinlets"]:
            raise ValueError(f"{dst} has no inlet {inlet}")
        self.lines.append({"patchline": {"destination": [dst, inlet], "source": [src, outlet]}})

    def present(self, box_id: str, x: float, y: float, w: float | None = None,
                h: float | None = None) -> None:
        """Show the box in presentation mode (the Max for Live device view)."""
        box = self._by_id[box_id]
        rect = box["patching_rect"]
        box["presentation"] = 1
        box["presentation_rect"] = [x, y, w or rect[2], h or rect[3]]

    def width(self, box_id: str) -> float:
        """The box's width in the patching view."""
        return float(self._by_id[box_id]["patching_rect"][2])

    def to_json(self, description: str = "") -> dict[str, Any]:
        patcher: dict[str, Any] = {
            "fileversion": 1,
            "appversion": {"major": 8, "minor": 6, "revision": 0, "architecture": "x64", "modernui": 1},
            "classnamespace": "box",
            "rect": list(self.rect),
            "openinpresentation": 1 if self.devicewidth else 0,
            "default_fontsize": 12.0,
            "default_fontname": "Arial",
            "gridsize": [15.0, 15.0],
            "description": description,
            "digest": "",
            "tags": "segue osc midi",
            "boxes": self.boxes,
            "lines": self.lines,
            "dependency_cache": [],
            "autosave": 0,
        }
        if self.devicewidth:
            patcher["devicewidth"] = self.devicewidth
        return {"patcher": patcher}
