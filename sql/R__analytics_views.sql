-- Repeatable: the analytics views. The tool re-runs this file whenever its checksum changes, after
-- all pending versioned migrations, so it must only contain statements that can run again:
-- CREATE OR REPLACE VIEW.
--
-- CREATE OR REPLACE VIEW can add columns at the end of a view but cannot drop, rename or retype
-- existing ones; such a change needs a versioned migration that drops the view first (this file then
-- recreates it). Views keep their grants across CREATE OR REPLACE.

CREATE OR REPLACE VIEW v_open_work_orders AS
SELECT wo.work_order_id,
       wo.order_no,
       s.code                          AS site_code,
       m.name                          AS machine_name,
       m.status                        AS machine_status,
       p.sku,
       p.name                          AS part_name,
       wo.state,
       wo.priority,
       wo.quantity,
       wo.quantity_done,
       wo.quantity - wo.quantity_done  AS quantity_remaining,
       wo.planned_start,
       wo.planned_end,
       wo.planned_end < now()          AS overdue
  FROM work_orders wo
  JOIN machines m ON m.machine_id = wo.machine_id
  JOIN sites s    ON s.site_id = m.site_id
  JOIN parts p    ON p.part_id = wo.part_id
 WHERE wo.state IN ('planned', 'released', 'in_progress');

CREATE OR REPLACE VIEW v_machine_output AS
SELECT m.machine_id,
       s.code                                                        AS site_code,
       m.name                                                        AS machine_name,
       m.status,
       count(wo.work_order_id) FILTER (WHERE wo.state = 'done')      AS orders_done,
       coalesce(sum(wo.quantity_done), 0)                            AS units_produced,
       coalesce(sum(wo.quantity_done * p.standard_cost), 0)          AS produced_value,
       max(wo.completed_at)                                          AS last_completed_at
  FROM machines m
  JOIN sites s            ON s.site_id = m.site_id
  LEFT JOIN work_orders wo ON wo.machine_id = m.machine_id
  LEFT JOIN parts p        ON p.part_id = wo.part_id
 GROUP BY m.machine_id, s.code, m.name, m.status;

CREATE OR REPLACE VIEW v_machine_downtime_hours AS
SELECT d.machine_id,
       m.name                                                                  AS machine_name,
       date_trunc('month', d.started_at)                                       AS month,
       d.reason,
       count(*)                                                                AS events,
       round((sum(extract(epoch FROM coalesce(d.ended_at, now()) - d.started_at)) / 3600)::numeric, 2)
                                                                               AS hours
  FROM machine_downtime d
  JOIN machines m ON m.machine_id = d.machine_id
 GROUP BY d.machine_id, m.name, date_trunc('month', d.started_at), d.reason;

CREATE OR REPLACE VIEW v_site_summary AS
SELECT s.site_id,
       s.code,
       s.name,
       count(DISTINCT m.machine_id)                                              AS machines,
       count(DISTINCT m.machine_id) FILTER (WHERE m.status = 'running')          AS machines_running,
       count(wo.work_order_id) FILTER (WHERE wo.state IN ('planned', 'released', 'in_progress'))
                                                                                 AS open_work_orders
  FROM sites s
  LEFT JOIN machines m     ON m.site_id = s.site_id
  LEFT JOIN work_orders wo ON wo.machine_id = m.machine_id
 GROUP BY s.site_id, s.code, s.name;
