package billing

import (
	"context"
	"sync"

	"rss/adjudication"
	"rss/pg"
	"rss/vouchers"
)

// reference is a snapshot of the reference data claims are judged against:
// programs, services, providers, staff and settings. It is cached per
// process and reloaded whenever reference_version moves, which a trigger on
// every reference table does, so an admin's change applies to the very next
// claim in every server process.
type reference struct {
	version   int64
	programs  map[string]adjudication.Program
	routes    map[string]string
	services  map[string]adjudication.Service
	providers map[int64]adjudication.Provider
	addresses map[int64]adjudication.PostalAddress // providers', for the 837P
	staff     map[int64]*adjudication.Staff
	settings  adjudication.Settings
}

// minutesPerUnit is a service's minutes a unit of a client's day (0 for a
// service not counted by time, or not in the catalog).
func (r *reference) minutesPerUnit(code string) int {
	s := r.services[code]
	return s.MinutesPerUnit()
}

type referenceCache struct {
	mu  sync.Mutex
	ref *reference
}

// get returns the snapshot for version, loading it through ext when the
// cached one is older.
func (c *referenceCache) get(ctx context.Context, ext pg.Ext, version int64) (*reference, error) {
	c.mu.Lock()
	ref := c.ref
	c.mu.Unlock()
	if ref != nil && ref.version == version {
		return ref, nil
	}
	ref, err := loadReference(ctx, ext, version)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.ref == nil || c.ref.version <= version {
		c.ref = ref
	}
	c.mu.Unlock()
	return ref, nil
}

func loadReference(ctx context.Context, ext pg.Ext, version int64) (*reference, error) {
	r := &reference{version: version, programs: map[string]adjudication.Program{}, routes: map[string]string{},
		services: map[string]adjudication.Service{}, providers: map[int64]adjudication.Provider{},
		addresses: map[int64]adjudication.PostalAddress{}, staff: map[int64]*adjudication.Staff{}}
	programs, err := vouchers.LoadPrograms(ctx, ext)
	if err != nil {
		return nil, err
	}
	for i := range programs {
		r.programs[programs[i].Code] = vouchers.RuleProgram(&programs[i])
		r.routes[programs[i].Code] = programs[i].PayerRoute
	}
	services, err := vouchers.LoadServices(ctx, ext)
	if err != nil {
		return nil, err
	}
	for i := range services {
		r.services[services[i].Code] = vouchers.RuleService(&services[i])
	}
	providers, err := vouchers.LoadProviders(ctx, ext, nil)
	if err != nil {
		return nil, err
	}
	for i := range providers {
		r.providers[providers[i].ID] = vouchers.RuleProvider(&providers[i])
		r.addresses[providers[i].ID] = vouchers.ProviderAddress(&providers[i])
	}
	var ids []int64
	if err := sqlxSelect(ctx, ext, &ids, `SELECT id FROM staff`); err != nil {
		return nil, err
	}
	staff, err := vouchers.LoadStaff(ctx, ext, ids)
	if err != nil {
		return nil, err
	}
	for id, s := range staff {
		r.staff[id] = vouchers.RuleStaff(s, staff)
	}
	if r.settings, err = vouchers.LoadSettings(ctx, ext); err != nil {
		return nil, err
	}
	return r, nil
}
