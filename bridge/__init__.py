"""segue's runtime: MIDI/OSC in, ONNX music models, notes out in time. Never imports torch."""

__version__ = "0.1.0"
