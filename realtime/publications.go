package realtime

import (
	"context"

	"liftoff/model"
	"liftoff/realtime/ddp"
)

// Document is one record a publication sends (a DDP "added" frame).
type Document struct {
	Collection string
	ID         string
	Fields     any
}

// PublicationFunc returns the documents of a publication for user (nil
// when anonymous). The documents are sent once, then "ready"; the
// publication does not follow later changes.
type PublicationFunc func(ctx context.Context, user *model.User) ([]Document, error)

type publication struct{ fn PublicationFunc }

// HandlePublication registers a Meteor publication that sends a snapshot
// of documents (for example meteor.loginServiceConfiguration). Register
// before Start.
func (s *Server) HandlePublication(name string, fn PublicationFunc) {
	s.pubs.Store(name, &publication{fn: fn})
}

// publish answers a sub of a registered publication: the documents, then
// ready (or nosub with the error).
func (s *Server) publish(sess *session, m *ddp.ClientMessage, p *publication) {
	docs, err := p.fn(sess.ctx, sess.user())
	if err != nil {
		s.sendNoSub(sess, m.ID, err)
		return
	}
	for _, d := range docs {
		f, err := ddp.Added(d.Collection, d.ID, d.Fields)
		if err != nil {
			s.sendNoSub(sess, m.ID, err)
			return
		}
		sess.send(f)
	}
	sess.send(ddp.Ready(m.ID))
}
