package bench

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"
)

// idAlphabet is Meteor's id alphabet, which Rocket.Chat uses for its ids.
const idAlphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"

// Message ids are 17 characters, like Rocket.Chat's: a 7-character prefix
// chosen at random per run, then the sequence number in base 55 on 10
// characters. The prefix tells this run's messages from any other's.
const (
	idLen       = 17
	idPrefixLen = 7
	idSeqLen    = idLen - idPrefixLen
)

var idDigit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(idAlphabet) {
		t[idAlphabet[i]] = int8(i)
	}
	return t
}()

// NewRunPrefix returns a random 7-character id prefix.
func NewRunPrefix() (string, error) {
	var b [idPrefixLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random run prefix: %w", err)
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:]), nil
}

// Tracker accounts for the deliveries of one run's messages. Messages are
// numbered 0..capacity-1; each is posted to a room whose online members are
// its expected recipients, numbered by slot within the room. Receipts set
// one bit per (message, slot), so memory is capacity × ⌈max room size/64⌉
// words, and a second receipt is caught as a duplicate. All methods are
// safe for concurrent use.
type Tracker struct {
	prefix   []byte
	roomSize []int
	words    int

	next   atomic.Int64
	sentAt []atomic.Int64 // unix ns of the post; 0 unsent; failedMark failed
	room   []int32
	last   []atomic.Int64 // slowest delivery so far, ns
	bits   []atomic.Uint64

	// Latency holds post→delivery latency of every first delivery.
	Latency Histogram

	expected   atomic.Int64
	delivered  atomic.Int64
	duplicates atomic.Int64
	unexpected atomic.Int64
}

const failedMark = -1

// NewTracker returns a tracker for up to capacity messages posted to rooms
// whose online member counts are roomSizes, with ids under prefix (see
// NewRunPrefix).
func NewTracker(prefix string, capacity int, roomSizes []int) (*Tracker, error) {
	if len(prefix) != idPrefixLen {
		return nil, fmt.Errorf("tracker: id prefix must have %d characters, got %q", idPrefixLen, prefix)
	}
	for _, c := range []byte(prefix) {
		if idDigit[c] < 0 {
			return nil, fmt.Errorf("tracker: id prefix %q has a character outside the id alphabet", prefix)
		}
	}
	if capacity < 0 {
		return nil, fmt.Errorf("tracker: negative capacity %d", capacity)
	}
	maxSize := 0
	for _, s := range roomSizes {
		maxSize = max(maxSize, s)
	}
	words := (maxSize + 63) / 64
	return &Tracker{
		prefix:   []byte(prefix),
		roomSize: append([]int(nil), roomSizes...),
		words:    words,
		sentAt:   make([]atomic.Int64, capacity),
		room:     make([]int32, capacity),
		last:     make([]atomic.Int64, capacity),
		bits:     make([]atomic.Uint64, capacity*words),
	}, nil
}

// Capacity returns how many messages the tracker can hold.
func (t *Tracker) Capacity() int { return len(t.sentAt) }

// Reserve returns the next message number, or false when capacity is used up.
func (t *Tracker) Reserve() (int, bool) {
	n := t.next.Add(1) - 1
	if n >= int64(len(t.sentAt)) {
		t.next.Add(-1)
		return 0, false
	}
	return int(n), true
}

// ID returns the message id of message seq.
func (t *Tracker) ID(seq int) string {
	var b [idLen]byte
	copy(b[:], t.prefix)
	v := uint64(seq)
	for i := idLen - 1; i >= idPrefixLen; i-- {
		b[i] = idAlphabet[v%uint64(len(idAlphabet))]
		v /= uint64(len(idAlphabet))
	}
	return string(b[:])
}

// Sent records that message seq is being posted to room at the given time.
// Call it before the post goes out, so that no delivery can precede it.
func (t *Tracker) Sent(seq, room int, at time.Time) {
	t.room[seq] = int32(room)
	t.sentAt[seq].Store(at.UnixNano())
	t.expected.Add(int64(t.roomSize[room]))
}

// Failed records that posting message seq failed: it is no longer expected.
func (t *Tracker) Failed(seq int) {
	if old := t.sentAt[seq].Swap(failedMark); old > 0 {
		t.expected.Add(-int64(t.roomSize[t.room[seq]]))
	}
}

// SeqOf finds this run's message id in a stream event's raw arguments (it
// may be the message's _id or the first word of its text) and returns the
// message number. ok is false for anything else, such as messages of
// another run.
func (t *Tracker) SeqOf(args []byte) (seq int, ok bool) {
	for off := 0; ; {
		i := bytes.Index(args[off:], t.prefix)
		if i < 0 {
			return 0, false
		}
		i += off
		if i+idLen <= len(args) {
			v, good := 0, true
			for _, c := range args[i+idPrefixLen : i+idLen] {
				d := idDigit[c]
				if d < 0 {
					good = false
					break
				}
				v = v*len(idAlphabet) + int(d)
			}
			if good && v < len(t.sentAt) {
				return v, true
			}
		}
		off = i + 1
	}
}

// Outcome says what a receipt was.
type Outcome int

// Receipt outcomes.
const (
	// First is an expected first delivery.
	First Outcome = iota
	// Duplicate is a second delivery of a message to the same slot.
	Duplicate
	// Unexpected is a delivery of a message never posted, posted to
	// another room, whose post failed, or to a slot outside the room.
	Unexpected
)

// Deliver records that the member in slot of room received message seq at
// the given time.
func (t *Tracker) Deliver(seq, room, slot int, at time.Time) Outcome {
	if seq < 0 || seq >= len(t.sentAt) {
		t.unexpected.Add(1)
		return Unexpected
	}
	sent := t.sentAt[seq].Load()
	if sent <= 0 || int(t.room[seq]) != room || slot < 0 || slot >= t.roomSize[room] {
		t.unexpected.Add(1)
		return Unexpected
	}
	mask := uint64(1) << (uint(slot) % 64)
	if old := t.bits[seq*t.words+slot/64].Or(mask); old&mask != 0 {
		t.duplicates.Add(1)
		return Duplicate
	}
	t.delivered.Add(1)
	lat := at.UnixNano() - sent
	t.Latency.Record(time.Duration(lat))
	for {
		m := t.last[seq].Load()
		if lat <= m || t.last[seq].CompareAndSwap(m, lat) {
			break
		}
	}
	return First
}

// Outstanding returns how many expected deliveries have not arrived yet.
func (t *Tracker) Outstanding() int64 { return t.expected.Load() - t.delivered.Load() }

// Delivered returns how many first deliveries arrived.
func (t *Tracker) Delivered() int64 { return t.delivered.Load() }

// Posted returns how many messages were reserved.
func (t *Tracker) Posted() int64 { return t.next.Load() }

// Delivery is a run's completeness figures.
type Delivery struct {
	// Posted messages, of which Failed were refused or timed out.
	Posted int64 `json:"posted"`
	Failed int64 `json:"failed"`
	// Expected deliveries (posted and not failed × online members).
	Expected int64 `json:"expected"`
	// Delivered first receipts of expected deliveries.
	Delivered int64 `json:"delivered"`
	// Lost expected deliveries never received.
	Lost int64 `json:"lost"`
	// Duplicates are receipts beyond the first.
	Duplicates int64 `json:"duplicates"`
	// Unexpected receipts: of failed posts, or outside any expected slot.
	Unexpected int64 `json:"unexpected"`
	// Incomplete messages are those missing at least one delivery.
	Incomplete int64 `json:"incomplete_messages"`
}

// Result counts lost deliveries by inspecting every message's bits, and
// returns the completeness figures and the distribution of each message's
// slowest delivery (its time to the last recipient).
func (t *Tracker) Result() (Delivery, *Histogram) {
	d := Delivery{Duplicates: t.duplicates.Load(), Unexpected: t.unexpected.Load()}
	lastHist := new(Histogram)
	n := int(t.next.Load())
	for seq := range n {
		sent := t.sentAt[seq].Load()
		got := 0
		for w := range t.words {
			got += bits.OnesCount64(t.bits[seq*t.words+w].Load())
		}
		d.Posted++
		if sent <= 0 {
			d.Failed++
			d.Unexpected += int64(got)
			continue
		}
		want := t.roomSize[t.room[seq]]
		d.Expected += int64(want)
		d.Delivered += int64(got)
		if got < want {
			d.Lost += int64(want - got)
			d.Incomplete++
		}
		if got > 0 {
			lastHist.Record(time.Duration(t.last[seq].Load()))
		}
	}
	return d, lastHist
}

// OK reports whether the run delivered every expected message exactly once.
func (d Delivery) OK() bool { return d.Lost == 0 && d.Duplicates == 0 }
