-- "Who is on call for this service" and a policy's list of services read services by their
-- escalation policy; without this index each read scans every service.
create index services_escalation_policy_idx on services (escalation_policy_id);
