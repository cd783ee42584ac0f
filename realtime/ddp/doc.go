// Package ddp encodes and decodes the frames of Meteor's Distributed Data
// Protocol as Rocket.Chat's clients speak it over /websocket. It does no
// networking: sessions read a text frame, decode it with DecodeClient, and
// write the bytes built by the server frame functions (Connected, Result,
// Ready, StreamEvent, ...).
//
// Payloads are EJSON, the JSON dialect of Meteor: Marshal encodes any Go
// value as encoding/json would, except that dates (model.Time, time.Time)
// become {"$date": milliseconds}. Its per-type encoders are cached, so the
// realtime hub can encode a stream event once and send the same bytes to
// every subscriber. Param decodes one method or subscription parameter,
// accepting EJSON dates.
//
// Errors reach clients as Meteor.Error objects (ErrorValue): domain errors
// (*model.Error) with their type and reason, anything else as a generic
// internal error.
package ddp
