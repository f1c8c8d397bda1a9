// Package pipelines lists the source systems' entities: one package per system below it
// (dataflyt, slakt, didac, portal) declares what that system delivers.
package pipelines

import (
	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/pipelines/dataflyt"
	"github.com/dvpsau/vpsau/pipelines/didac"
	"github.com/dvpsau/vpsau/pipelines/portal"
	"github.com/dvpsau/vpsau/pipelines/slakt"
)

// Entities lists every source entity in load order.
func Entities() []*contract.Entity {
	var out []*contract.Entity
	out = append(out, dataflyt.Entities()...)
	out = append(out, slakt.Entities()...)
	out = append(out, didac.Entities()...)
	out = append(out, portal.Entities()...)
	return out
}
