// Package bench drives a Rocket.Chat-compatible server through its public
// REST and DDP API (package rcclient) and measures it: held connections,
// chat throughput and post→delivery latency, fan-out, history paging and
// login storms.
//
// Every run accounts for deliveries exactly. Each posted message carries a
// unique id that encodes its sequence number; each message's expected
// recipients are the online members of its room, and each receipt sets one
// bit, so a lost delivery (a bit never set) or a duplicate (a bit set twice)
// is counted and fails the run. Latencies go into a fixed-size log-linear
// histogram, so memory stays bounded however long the run.
package bench
