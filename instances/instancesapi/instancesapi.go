// Package instancesapi declares instances.get, package instances' REST
// endpoint.
package instancesapi

import (
	"fmt"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/instances"
	"liftoff/model"
)

// Routes declares instances.get (view-statistics), in Rocket.Chat's shape:
// {instances: [{address, currentStatus, instanceRecord, broadcastAuth}]}.
func Routes(rt *api.Router, svc *instances.Service) {
	rt.Get("instances.get", func(r *api.Request) (any, error) {
		list, err := svc.List(r.Context())
		if err != nil {
			return nil, err
		}
		out := make([]api.M, 0, len(list))
		for _, in := range list {
			started := model.TimeOf(in.Info.StartedAt)
			out = append(out, api.M{
				"address":       fmt.Sprintf("%s:%d", in.Info.Host, in.Info.Port),
				"currentStatus": api.M{"connected": true, "local": in.Local},
				"instanceRecord": api.M{
					"_id": in.ID, "name": "liftoff", "pid": in.Info.PID,
					"_createdAt": started, "_updatedAt": started,
					"extraInformation": api.M{"host": in.Info.Host, "port": in.Info.Port, "nodeVersion": in.Info.Runtime, "version": in.Info.Version},
				},
				"broadcastAuth": true,
			})
		}
		return api.M{"instances": out}, nil
	}, api.Permission(perm.ViewStatistics))
}
