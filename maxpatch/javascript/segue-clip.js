// segue-clip.js: sends the notes of Live's selected clip to segue as one phrase ([js] in Max for Live).
//
// Any input (bang or 1) reads the clip in Live's detail view and outputs
// "/segue/phrase pitch velocity start duration ..." (start and duration in beats), ready for [udpsend].
// Uses get_notes_extended (Live 11+) and falls back to get_notes on older versions.

autowatch = 1;
inlets = 1;
outlets = 1;

var MAX_NOTES = 512; // the daemon's limit per phrase

function clipNotes() {
  var clip = new LiveAPI("live_set view detail_clip");
  if (!clip || clip.id == 0) {
    post("segue: select a MIDI clip first\n");
    return [];
  }
  if (clip.get("is_midi_clip") != 1) {
    post("segue: the selected clip is not a MIDI clip\n");
    return [];
  }
  var length = Number(clip.get("length"));
  var notes = [];
  try {
    var dict = JSON.parse(clip.call("get_notes_extended", 0, 128, 0, length));
    for (var i = 0; i < dict.notes.length; i++) {
      var n = dict.notes[i];
      if (!n.mute) {
        notes.push([n.pitch, Math.round(n.velocity), n.start_time, n.duration]);
      }
    }
  } catch (e) {
    // Live 10: "notes N note p t d v m ... done"
    var raw = clip.call("get_notes", 0, 0, length, 128);
    for (var j = 0; j + 5 < raw.length; j++) {
      if (raw[j] == "note") {
        if (raw[j + 5] != 1) {
          notes.push([Number(raw[j + 1]), Number(raw[j + 4]), Number(raw[j + 2]), Number(raw[j + 3])]);
        }
        j += 5;
      }
    }
  }
  notes.sort(function (a, b) { return a[2] - b[2] || a[0] - b[0]; });
  return notes.slice(0, MAX_NOTES);
}

function send() {
  var notes = clipNotes();
  if (notes.length == 0) {
    return;
  }
  var out = ["/segue/phrase"];
  for (var i = 0; i < notes.length; i++) {
    var n = notes[i];
    var velocity = Math.max(1, Math.min(127, n[1]));
    out.push(n[0], velocity, Math.max(0, n[2]), Math.max(0.001, n[3]));
  }
  outlet(0, out);
}

function bang() { send(); }
function msg_int(v) { if (v) { send(); } }
function msg_float(v) { if (v) { send(); } }
