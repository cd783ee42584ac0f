package ddpapi

import (
	"context"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/realtime"
)

// Registrar declares DDP methods on the realtime server with the shared
// conventions: a logged-in caller unless the method is Public (realtime
// refuses anonymous callers with error-invalid-user), guards declared on
// the method (Need), parameters decoded with Param and RequireString, the
// result encoded as EJSON, and errors rendered as Meteor errors whose
// details name the method when the domain marked them InMethod. The
// built-in methods are declared through it (Register), and so are a
// capability's own, from its own package:
//
//	func Methods(reg *ddpapi.Registrar, svc *files.Service) {
//		reg.Method("getFile", func(ctx context.Context, call *realtime.Call) (any, error) {
//			id, err := ddpapi.RequireString(call, 0, "fileId")
//			if err != nil {
//				return nil, err
//			}
//			return svc.File(ctx, call.User(), id)
//		})
//	}
type Registrar struct {
	host  Host
	perms Permissions
}

// Host is where methods are installed: the realtime server.
type Host interface {
	Handle(name string, fn realtime.MethodFunc)
	HandlePublic(name string, fn realtime.MethodFunc)
}

// Permissions answers the Need guards (chat.Admin implements it).
type Permissions interface {
	Can(user *model.User, permission perm.ID) bool
}

// NewRegistrar returns a registrar installing methods on host; perms may
// be nil when no method declares Need.
func NewRegistrar(host Host, perms Permissions) *Registrar {
	return &Registrar{host: host, perms: perms}
}

// MethodOption is a guard or setting declared on a method.
type MethodOption func(*methodDecl)

type methodDecl struct {
	public bool
	needs  []perm.ID
}

// Public lets anonymous callers call the method.
func Public() MethodOption { return func(d *methodDecl) { d.public = true } }

// Need refuses callers without the global permission p before the method
// runs, as Rocket.Chat's methods do: error-not-allowed, naming the method.
func Need(p perm.ID) MethodOption { return func(d *methodDecl) { d.needs = append(d.needs, p) } }

// errNeed is the refusal of a Need guard.
var errNeed = model.Forbidden("error-not-allowed", "Not allowed").InMethod()

// Method declares the DDP method name, implemented by fn. A later
// declaration of the same name replaces an earlier one.
func (r *Registrar) Method(name string, fn realtime.MethodFunc, opts ...MethodOption) {
	var d methodDecl
	for _, o := range opts {
		o(&d)
	}
	if len(d.needs) > 0 {
		inner, needs := fn, d.needs
		fn = func(ctx context.Context, call *realtime.Call) (any, error) {
			for _, p := range needs {
				if r.perms == nil || !r.perms.Can(call.User(), p) {
					return nil, errNeed
				}
			}
			return inner(ctx, call)
		}
	}
	if d.public {
		r.host.HandlePublic(name, fn)
		return
	}
	r.host.Handle(name, fn)
}
