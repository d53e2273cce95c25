-- Tenant pins (SPEC 3): per service, tenants always sent to the new
-- service ('in') or always kept on the monolith ('out').  The plan file
-- of the service holds them too ("pins"), so a rebuild keeps them.
CREATE TABLE service_pin (
	service TEXT NOT NULL REFERENCES service(name) ON DELETE CASCADE,
	tenant TEXT NOT NULL,
	side TEXT NOT NULL CHECK (side IN ('in', 'out')),
	PRIMARY KEY (service, tenant)
) WITHOUT ROWID;
