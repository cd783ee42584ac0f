// Package instances describes the server instances of a deployment for
// Rocket.Chat's instances.get: this instance, and with several instances
// (NATS) every one alive, as each announces itself in the presence
// cluster's instances bucket. Its endpoint lives in instances/instancesapi.
package instances

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Info is what an instance tells about itself.
type Info struct {
	Host      string    `json:"host"`
	Port      int       `json:"port"`
	PID       int       `json:"pid"`
	Version   string    `json:"version"`   // Liftoff's version
	Runtime   string    `json:"runtime"`   // the Go version
	StartedAt time.Time `json:"startedAt"` // when the instance started
}

// Encode is the Info as the cluster carries it.
func (i Info) Encode() []byte {
	b, _ := json.Marshal(i)
	return b
}

// Cluster lists the instances alive (presence/cluster.Directory
// implements it): each id with the Info it announced.
type Cluster interface {
	ID() string
	Instances(ctx context.Context) (map[string][]byte, error)
}

// Instance is one instance of the deployment.
type Instance struct {
	ID    string
	Info  Info
	Local bool // the instance answering
}

// Service lists the instances.
type Service struct {
	localID string
	local   Info

	mu      sync.Mutex
	cluster Cluster
}

// New returns a Service for a lone instance with id and info; SetCluster
// makes it list a cluster's.
func New(id string, info Info) *Service {
	return &Service{localID: id, local: info}
}

// SetCluster makes List answer the cluster's instances (the cluster
// directory starts after the REST routes are declared).
func (s *Service) SetCluster(c Cluster) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cluster = c
}

// List returns the instances alive, this one first, then by id. An
// instance whose announcement cannot be read is listed with its id only.
func (s *Service) List(ctx context.Context) ([]Instance, error) {
	s.mu.Lock()
	c := s.cluster
	s.mu.Unlock()
	if c == nil {
		return []Instance{{ID: s.localID, Info: s.local, Local: true}}, nil
	}
	all, err := c.Instances(ctx)
	if err != nil {
		return nil, fmt.Errorf("instances: %w", err)
	}
	self := c.ID()
	out := []Instance{{ID: self, Info: s.local, Local: true}}
	ids := make([]string, 0, len(all))
	for id := range all {
		if id != self {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		var info Info
		_ = json.Unmarshal(all[id], &info) // an older instance announces nothing
		out = append(out, Instance{ID: id, Info: info})
	}
	return out, nil
}
