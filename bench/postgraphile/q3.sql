-- Q3 for PostGraphile: totals by year × service area and the overall total,
-- a naive GROUP BY over every funded project (not a rejected application,
-- as the portal's statistics count by default) and its figures (the same sums as the
-- portal's scan, store/read.go statsMeasures). PostGraphile exposes this
-- STABLE function as the query field statsByYearArea. It lives in a schema
-- of its own; the portal's migrations own public.
CREATE SCHEMA IF NOT EXISTS postgraphile_bench;

CREATE OR REPLACE FUNCTION postgraphile_bench.stats_by_year_area()
RETURNS TABLE (
    year INTEGER,
    service_area TEXT,
    projects BIGINT,
    awarded_fen BIGINT,
    leveraged_fen BIGINT,
    beneficiaries BIGINT,
    volunteers BIGINT,
    experts BIGINT,
    feedback_count BIGINT,
    feedback_sum BIGINT
) LANGUAGE sql STABLE AS $$
    SELECT p.year, p.service_area, COUNT(*), SUM(p.awarded_fen)::bigint, SUM(f.leveraged_fen)::bigint,
        SUM(f.beneficiary_visits)::bigint, SUM(f.volunteer_visits)::bigint, SUM(f.expert_visits)::bigint,
        SUM(f.feedback_count)::bigint, SUM(f.feedback_sum)::bigint
    FROM public.projects p JOIN public.project_figures f ON f.project_id = p.id
    WHERE p.outcome <> 'REJECTED'
    GROUP BY GROUPING SETS ((p.year, p.service_area), ())
    ORDER BY p.year NULLS FIRST, p.service_area
$$;

COMMENT ON FUNCTION postgraphile_bench.stats_by_year_area() IS E'@name stats_by_year_area\nTotals by year and service area (naive GROUP BY); the row with neither is the overall total.';
