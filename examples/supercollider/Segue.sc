// Segue: a SuperCollider client for the segue daemon (OSC).
//
//   s.boot;
//   ~segue = Segue(port: 9000, replyPort: 9001).playOn(s);   // continuation notes play on \default
//   ~segue.phrase([[60, 100, 0, 1], [62, 100, 1, 1], [64, 100, 2, 1]]);
//   ~segue.sendPattern(Pbind(\midinote, Pseq([60, 62, 64, 67]), \dur, 0.5));
//   ~segue.temperature = 0.8; ~segue.set(\top_k, 40);
//   ~segue.connectMIDI;   // a MIDI keyboard feeds the phrase capture
//   ~segue.free;
//
// Install: copy this file (or this folder) into Platform.userExtensionDir and recompile the class
// library. See Segue.schelp and docs/CLIENTS.md.

Segue {
	var <addr, <replyPort, <values, <notes, <status;
	var <>onNote, <>onNoteOn, <>onNoteOff, <>onStatus, <>onError, <>onValue;
	var <>instrument = \default, <>server, <>amp = 0.2;
	var oscFuncs, midiFuncs, synths;

	*new { |host = "127.0.0.1", port = 9000, replyPort = 9001|
		^super.new.init(host, port, replyPort)
	}

	init { |host, port, argReplyPort|
		addr = NetAddr(host, port);
		replyPort = argReplyPort;
		values = IdentityDictionary.new;
		notes = List.new;
		synths = IdentityDictionary.new;
		values[\tempo] = 120;
		if(thisProcess.openUDPPort(replyPort).not and: { NetAddr.langPort != replyPort }) {
			("Segue: cannot listen on UDP port % (in use?); pass another replyPort and start the daemon "
				++ "with --reply-port").format(replyPort).warn;
		};
		oscFuncs = [
			OSCFunc({ |msg| this.prNote(msg[1], msg[2], msg[3], msg[4]) }, '/segue/note', recvPort: replyPort),
			OSCFunc({ |msg| this.prNoteOn(msg[1], msg[2], msg[3]) }, '/segue/noteon', recvPort: replyPort),
			OSCFunc({ |msg| this.prNoteOff(msg[1], msg[3]) }, '/segue/noteoff', recvPort: replyPort),
			OSCFunc({ |msg|
				status = msg[1..];
				onStatus.value(*status);
			}, '/segue/status', recvPort: replyPort),
			OSCFunc({ |msg|
				"segue rejected %: %".format(msg[1], msg[2]).warn;
				onError.value(msg[1], msg[2]);
			}, '/segue/error', recvPort: replyPort),
			OSCFunc({ |msg|
				values[msg[1].asSymbol] = msg[2];
				onValue.value(msg[1].asSymbol, msg[2]);
			}, '/segue/value', recvPort: replyPort),
		];
	}

	// -------------------------------------------------------- sending

	send { |address ... args| addr.sendMsg(address, *args) }

	// a note-on into the phrase capture, like MIDI in (velocity 0 = note-off; channel 1-16)
	noteOn { |pitch, velocity = 100, channel = 1|
		this.send('/segue/note', pitch.asInteger, velocity.asInteger, channel.asInteger)
	}
	noteOff { |pitch, channel = 1| this.noteOn(pitch, 0, channel) }

	// a whole phrase: [[pitch, velocity, startBeats, durationBeats], ...]; continued at once
	phrase { |array|
		var args = array.collect { |n|
			[n[0].asInteger, n[1].asInteger.clip(1, 127), n[2].asFloat.max(0), n[3].asFloat.max(0.001)]
		}.flatten;
		if(args.isEmpty) { "Segue: empty phrase, nothing sent".warn; ^this };
		this.send('/segue/phrase', *args);
	}

	// play a finite pattern silently and send its notes as one phrase (rests skipped, chords kept)
	sendPattern { |pattern, maxNotes = 512|
		var stream = pattern.asStream, event, beat = 0, out = List.new;
		while { (event = stream.next(Event.default)).notNil and: { out.size < maxNotes } } {
			event.use {
				if(event.isRest.not) {
					~midinote.value.asArray.do { |pitch|
						var velocity = ~velocity ?? { (~amp.value * 1000).round };
						out.add([pitch.round.asInteger, velocity.asInteger.clip(1, 127), beat,
							~sustain.value.max(0.001)]);
					};
				};
			};
			beat = beat + event.delta;
		};
		this.phrase(out);
	}

	continue { |beats| if(beats.isNil) { this.send('/segue/continue') } { this.send('/segue/continue', beats.asFloat) } }
	stop { this.send('/segue/stop') }
	panic { this.send('/segue/panic'); this.releaseAll }
	clear { this.send('/segue/clear') }
	getStatus { this.send('/segue/status') }
	model { |name| this.send('/segue/model', name.asString) }

	// parameters: the daemon checks names and ranges; a rejected value comes back through onError
	set { |name, value|
		if(value.isKindOf(Symbol)) { value = value.asString };
		this.send('/segue/set', name.asString, value)
	}
	get { |name| if(name.isNil) { this.send('/segue/get') } { this.send('/segue/get', name.asString) } }

	sampler_ { |name| this.set(\sampler, name) }
	temperature_ { |value| this.set(\temperature, value.asFloat) }
	topK_ { |value| this.set(\top_k, value.asInteger) }
	topP_ { |value| this.set(\top_p, value.asFloat) }
	blend_ { |value| this.set(\blend, value.asFloat) }
	tempo_ { |bpm| this.set(\tempo, bpm.asFloat); values[\tempo] = bpm }
	lengthBeats_ { |beats| this.set(\length_beats, beats.asFloat) }
	lengthNotes_ { |count| this.set(\length_notes, count.asInteger) }
	mode_ { |name| this.set(\mode, name) }
	style_ { |name| this.set(\style, name) }

	// -------------------------------------------------------- MIDI keyboard

	connectMIDI { |srcID|
		MIDIClient.initialized.not.if { MIDIClient.init };
		MIDIIn.connectAll;
		this.disconnectMIDI;
		midiFuncs = [
			MIDIFunc.noteOn({ |vel, num, chan| this.noteOn(num, vel, chan + 1) }, srcID: srcID),
			MIDIFunc.noteOff({ |vel, num, chan| this.noteOff(num, chan + 1) }, srcID: srcID),
		];
	}
	disconnectMIDI { midiFuncs.do(_.free); midiFuncs = nil }

	// -------------------------------------------------------- playing the continuation

	// play each continuation note on a synth of `instrument` (needs \freq, \amp, \gate)
	playOn { |argServer, argInstrument|
		server = argServer ? Server.default;
		argInstrument !? { instrument = argInstrument };
		this.get(\tempo);
	}

	releaseAll {
		synths.do { |synth| synth.release };
		synths.clear;
	}

	free {
		this.releaseAll;
		oscFuncs.do(_.free);
		this.disconnectMIDI;
	}

	// -------------------------------------------------------- replies (private)

	prNote { |pitch, velocity, duration, channel|
		notes.add([pitch, velocity, duration, channel]);
		onNote.value(pitch, velocity, duration, channel);
	}

	prNoteOn { |pitch, velocity, channel|
		var key = (channel * 128 + pitch).asSymbol;
		onNoteOn.value(pitch, velocity, channel);
		if(server.notNil and: { server.serverRunning }) {
			synths[key] !? { |old| old.release };
			synths[key] = Synth(instrument, [\freq, pitch.midicps, \amp, velocity / 127 * amp * 5], server);
		};
	}

	prNoteOff { |pitch, channel|
		var key = (channel * 128 + pitch).asSymbol;
		onNoteOff.value(pitch, channel);
		synths.removeAt(key) !? { |synth| synth.release };
	}
}
