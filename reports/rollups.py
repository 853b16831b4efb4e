"""The season report's rollups: grouped counts of works, lesson views, likes, registrations, active
students and jury scores that PostgreSQL keeps in step with the learning tables, so the report
reads a few thousand rows however many children, works, likes and scores there are.

Why triggers: a work's status alone is written by a dozen paths (moderation, complaints, the jury,
appeals, withdrawal, erasure, the admin), several of them as QuerySet.update(); a rollup kept by
the services would be skewed by the first path that forgets it. A trigger is the one place each
counting rule lives; it runs inside the writing transaction, so the rollup commits or rolls back
with the row. Every change is an atomic UPSERT (INSERT ... ON CONFLICT DO UPDATE SET n = n +
excluded.n): two writers of the same cell queue on its row lock and neither count is lost. A
subtraction is an UPDATE of a cell that must exist; a missing cell raises, a count below zero
breaks a CHECK constraint, so a rollup out of step fails the write loudly instead of skewing the
report.

`recount()` computes the same rows from the raw tables (the definition the triggers must match);
`problems()` compares, `rebuild()` replaces. The data migration backfills with `rebuild()`, the
`verify_report_rollups` command checks (and with --rebuild repairs), the tests compare after every
kind of write. Town sizes are positions in cms.towns.TownSize.ORDER, the same CASE as
reports.services.town_size_expression (the recount uses that expression, so the two cannot drift
apart unnoticed).
"""

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Sum

from cms.towns import TownSize
from engagement import selectors as engagement_selectors
from learning.models import PUBLIC_STATUSES, Submission
from learning.selectors import SHORTLIST_STATUSES
from reports.models import ActiveCell, JuryCell, LessonCell, LikeCell, RegistrationDay, WorkCell

TABLES = [
    "reports_workcell",
    "reports_lessoncell",
    "reports_likecell",
    "reports_registrationday",
    "reports_activity",
    "reports_activecell",
    "reports_jurycell",
]


def _town_size_sql():
    position = {key: index for index, key in enumerate(TownSize.ORDER)}
    return f"""
CREATE OR REPLACE FUNCTION reports_town_size(population integer) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN population IS NULL THEN {position[TownSize.UNKNOWN]}
                 WHEN population < 10000 THEN {position[TownSize.UNDER_10K]}
                 WHEN population < 100000 THEN {position[TownSize.FROM_10K]}
                 WHEN population < 1000000 THEN {position[TownSize.FROM_100K]}
                 ELSE {position[TownSize.OVER_1M]} END)::smallint
$$;
"""


# Which (student, season, direction) pairs are active, as a SELECT over the raw tables; {only}
# restricts the progress and works read (to some students, or nothing: all of them). A lesson
# belongs to the season of the masterclass above it and to every direction above that masterclass
# (cms.selectors.season_lessons); a work to its assignment's season and direction. Each pair also
# stands for the whole season (direction NULL). Ancestors are found by their path prefixes
# (Wagtail's 4-character steps) through the path index.
MEMBERSHIP_SQL = """
WITH progress AS (
    SELECT DISTINCT student_id, lesson_id FROM learning_lessonprogress WHERE {only}
), lessons AS (
    SELECT lp.id AS lesson_id, m.season_id, mp.path, mp.depth
    FROM (SELECT DISTINCT lesson_id FROM progress) seen
    JOIN wagtailcore_page lp ON lp.id = seen.lesson_id
    CROSS JOIN LATERAL generate_series(1, lp.depth - 1) AS up (step)
    JOIN wagtailcore_page mp ON mp.path = substr(lp.path, 1, 4 * up.step)
    JOIN cms_masterclasspage m ON m.page_ptr_id = mp.id
    WHERE m.season_id IS NOT NULL
), units AS (
    SELECT lesson_id, season_id, NULL::integer AS direction_id FROM lessons
    UNION
    SELECT l.lesson_id, l.season_id, d.page_ptr_id
    FROM lessons l CROSS JOIN LATERAL generate_series(1, l.depth - 1) AS up (step)
    JOIN wagtailcore_page dp ON dp.path = substr(l.path, 1, 4 * up.step)
    JOIN cms_directionpage d ON d.page_ptr_id = dp.id
), pairs AS (
    SELECT p.student_id, u.season_id, u.direction_id FROM progress p JOIN units u ON u.lesson_id = p.lesson_id
    UNION
    SELECT w.student_id, a.season_id, a.direction_id
    FROM learning_submission w JOIN learning_assignment a ON a.id = w.assignment_id WHERE {only}
    UNION
    SELECT w.student_id, a.season_id, NULL
    FROM learning_submission w JOIN learning_assignment a ON a.id = w.assignment_id WHERE {only}
)
SELECT pairs.student_id, pairs.season_id, pairs.direction_id, s.region_id, reports_town_size(s.town_population)
FROM pairs JOIN learning_student s ON s.id = pairs.student_id
"""


def _registration_day(column):
    return f"({column} AT TIME ZONE '{settings.TIME_ZONE}')::date"


def install_sql():
    """The functions and triggers (idempotent: CREATE OR REPLACE, DROP TRIGGER IF EXISTS)."""
    day_new, day_old = _registration_day("NEW.created_at"), _registration_day("OLD.created_at")
    triggers = """
-- A work counted (+1) or uncounted (-1) in its cell: its author's region and town size now.
-- Adding is an UPSERT; subtracting an UPDATE of a cell that must exist (PostgreSQL checks the
-- constraints of the row an INSERT proposes, so a negative proposal could not reach ON CONFLICT).
CREATE OR REPLACE FUNCTION reports_count_work(work learning_submission, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    region integer;
    size smallint;
BEGIN
    SELECT s.region_id, reports_town_size(s.town_population) INTO region, size
    FROM learning_student s WHERE s.id = work.student_id;
    IF delta > 0 THEN
        INSERT INTO reports_workcell (assignment_id, region_id, town_size, age_band, status, works)
        VALUES (work.assignment_id, region, size, work.age_band, work.status, delta)
        ON CONFLICT (assignment_id, region_id, town_size, age_band, status)
        DO UPDATE SET works = reports_workcell.works + excluded.works;
        RETURN;
    END IF;
    IF region IS NULL THEN
        UPDATE reports_workcell SET works = works + delta
        WHERE assignment_id = work.assignment_id AND region_id IS NULL AND town_size = size
          AND age_band = work.age_band AND status = work.status;
    ELSE
        UPDATE reports_workcell SET works = works + delta
        WHERE assignment_id = work.assignment_id AND region_id = region AND town_size = size
          AND age_band = work.age_band AND status = work.status;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reports_workcell has no cell for work %: run verify_report_rollups --rebuild', work.id;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION reports_submission_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM reports_count_work(OLD, -1); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM reports_count_work(NEW, 1); END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_submission_rollup ON learning_submission;
CREATE TRIGGER reports_submission_rollup AFTER INSERT OR DELETE ON learning_submission
    FOR EACH ROW EXECUTE FUNCTION reports_submission_changed();
DROP TRIGGER IF EXISTS reports_submission_rollup_update ON learning_submission;
CREATE TRIGGER reports_submission_rollup_update
    AFTER UPDATE OF status, age_band, assignment_id, student_id ON learning_submission
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.age_band IS DISTINCT FROM NEW.age_band
                       OR OLD.assignment_id <> NEW.assignment_id OR OLD.student_id <> NEW.student_id)
    EXECUTE FUNCTION reports_submission_changed();

-- A student's region or town changed (a profile edit, erasure): their works move to the new cell.
-- Also the registrations of the day the account was created, as long as it is not erased.
CREATE OR REPLACE FUNCTION reports_student_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    groups integer;
    moved integer;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.region_id IS DISTINCT FROM NEW.region_id
                             OR reports_town_size(OLD.town_population) <> reports_town_size(NEW.town_population)) THEN
        SELECT count(*) INTO groups FROM (SELECT DISTINCT assignment_id, age_band, status
                                          FROM learning_submission WHERE student_id = NEW.id) g;
        UPDATE reports_workcell c SET works = c.works - g.n
        FROM (SELECT assignment_id, age_band, status, count(*) AS n FROM learning_submission
              WHERE student_id = NEW.id GROUP BY 1, 2, 3) g
        WHERE c.assignment_id = g.assignment_id AND c.region_id IS NOT DISTINCT FROM OLD.region_id
          AND c.town_size = reports_town_size(OLD.town_population) AND c.age_band = g.age_band
          AND c.status = g.status;
        GET DIAGNOSTICS moved = ROW_COUNT;
        IF moved <> groups THEN
            RAISE EXCEPTION 'reports_workcell misses cells of student %: run verify_report_rollups --rebuild', NEW.id;
        END IF;
        INSERT INTO reports_workcell (assignment_id, region_id, town_size, age_band, status, works)
        SELECT assignment_id, NEW.region_id, reports_town_size(NEW.town_population), age_band, status, count(*)
        FROM learning_submission WHERE student_id = NEW.id GROUP BY assignment_id, age_band, status
        ON CONFLICT (assignment_id, region_id, town_size, age_band, status)
        DO UPDATE SET works = reports_workcell.works + excluded.works;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.created_at = NEW.created_at
       AND (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL) THEN
        RETURN NULL;  -- the registrations are as they were
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN
        UPDATE reports_registrationday SET students = students - 1 WHERE day = {day_old};
        IF NOT FOUND THEN
            RAISE EXCEPTION 'reports_registrationday has no day for student %: run verify_report_rollups --rebuild',
                OLD.id;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN
        INSERT INTO reports_registrationday (day, students) VALUES ({day_new}, 1)
        ON CONFLICT (day) DO UPDATE SET students = reports_registrationday.students + excluded.students;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_student_rollup ON learning_student;
CREATE TRIGGER reports_student_rollup AFTER INSERT OR DELETE ON learning_student
    FOR EACH ROW EXECUTE FUNCTION reports_student_changed();
DROP TRIGGER IF EXISTS reports_student_rollup_update ON learning_student;
CREATE TRIGGER reports_student_rollup_update
    AFTER UPDATE OF region_id, town_population, created_at, deleted_at ON learning_student
    FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id
                       OR OLD.town_population IS DISTINCT FROM NEW.town_population
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at
                       OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION reports_student_changed();

-- A lesson's views (progress rows) and completions.
CREATE OR REPLACE FUNCTION reports_progress_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE reports_lessoncell
        SET views = views - 1, completions = completions - (OLD.completed_at IS NOT NULL)::integer
        WHERE lesson_id = OLD.lesson_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'reports_lessoncell has no lesson %: run verify_report_rollups --rebuild', OLD.lesson_id;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO reports_lessoncell (lesson_id, views, completions)
        VALUES (NEW.lesson_id, 1, (NEW.completed_at IS NOT NULL)::integer)
        ON CONFLICT (lesson_id) DO UPDATE SET views = reports_lessoncell.views + excluded.views,
                                              completions = reports_lessoncell.completions + excluded.completions;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_progress_rollup ON learning_lessonprogress;
CREATE TRIGGER reports_progress_rollup AFTER INSERT OR DELETE ON learning_lessonprogress
    FOR EACH ROW EXECUTE FUNCTION reports_progress_changed();
DROP TRIGGER IF EXISTS reports_progress_rollup_update ON learning_lessonprogress;
CREATE TRIGGER reports_progress_rollup_update AFTER UPDATE OF lesson_id, completed_at ON learning_lessonprogress
    FOR EACH ROW WHEN (OLD.lesson_id <> NEW.lesson_id
                       OR (OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL))
    EXECUTE FUNCTION reports_progress_changed();

-- Likes standing on an assignment's works. Django deletes a work's likes before the work, so the
-- work is still there to name its assignment.
CREATE OR REPLACE FUNCTION reports_like_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE reports_likecell c SET likes = c.likes - 1
        FROM learning_submission w WHERE w.id = OLD.submission_id AND c.assignment_id = w.assignment_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'reports_likecell misses the like %: run verify_report_rollups --rebuild', OLD.id;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO reports_likecell (assignment_id, likes)
        SELECT w.assignment_id, 1 FROM learning_submission w WHERE w.id = NEW.submission_id
        ON CONFLICT (assignment_id) DO UPDATE SET likes = reports_likecell.likes + excluded.likes;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_like_rollup ON learning_like;
CREATE TRIGGER reports_like_rollup AFTER INSERT OR DELETE ON learning_like
    FOR EACH ROW EXECUTE FUNCTION reports_like_changed();
DROP TRIGGER IF EXISTS reports_like_rollup_update ON learning_like;
CREATE TRIGGER reports_like_rollup_update AFTER UPDATE OF submission_id ON learning_like
    FOR EACH ROW WHEN (OLD.submission_id <> NEW.submission_id) EXECUTE FUNCTION reports_like_changed();

-- Recount which seasons and directions some students are active in, and move them between the
-- cells of active students: out of the cells they were counted in, into the ones they are in now.
-- The students' rows are locked first (FOR NO KEY UPDATE: a foreign key check's KEY SHARE does
-- not wait for it), so two writers recounting one student take turns.
CREATE OR REPLACE FUNCTION reports_recount_activity(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    taken integer;
    expected integer;
BEGIN
    PERFORM 1 FROM learning_student WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    SELECT count(*) INTO expected FROM (SELECT DISTINCT season_id, direction_id, region_id, town_size
                                        FROM reports_activity WHERE student_id = ANY(ids)) cells;
    UPDATE reports_activecell c SET students = c.students - gone.n
    FROM (SELECT season_id, direction_id, region_id, town_size, count(*) AS n
          FROM reports_activity WHERE student_id = ANY(ids) GROUP BY 1, 2, 3, 4) gone
    WHERE c.season_id = gone.season_id AND c.direction_id IS NOT DISTINCT FROM gone.direction_id
      AND c.region_id IS NOT DISTINCT FROM gone.region_id AND c.town_size = gone.town_size;
    GET DIAGNOSTICS taken = ROW_COUNT;
    IF taken <> expected THEN
        RAISE EXCEPTION 'reports_activecell misses cells of students %: run verify_report_rollups --rebuild', ids;
    END IF;
    DELETE FROM reports_activity WHERE student_id = ANY(ids);
    INSERT INTO reports_activity (student_id, season_id, direction_id, region_id, town_size)
    {membership_some};
    INSERT INTO reports_activecell (season_id, direction_id, region_id, town_size, students)
    SELECT season_id, direction_id, region_id, town_size, count(*) FROM reports_activity
    WHERE student_id = ANY(ids) GROUP BY 1, 2, 3, 4
    ON CONFLICT (season_id, direction_id, region_id, town_size)
    DO UPDATE SET students = reports_activecell.students + excluded.students;
END $$;

CREATE OR REPLACE FUNCTION reports_activity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM reports_recount_activity(ARRAY[OLD.student_id]);
    ELSIF TG_OP = 'UPDATE' AND OLD.student_id <> NEW.student_id THEN
        PERFORM reports_recount_activity(ARRAY[OLD.student_id, NEW.student_id]);
    ELSE
        PERFORM reports_recount_activity(ARRAY[NEW.student_id]);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_progress_activity ON learning_lessonprogress;
CREATE TRIGGER reports_progress_activity AFTER INSERT OR DELETE ON learning_lessonprogress
    FOR EACH ROW EXECUTE FUNCTION reports_activity_changed();
DROP TRIGGER IF EXISTS reports_progress_activity_update ON learning_lessonprogress;
CREATE TRIGGER reports_progress_activity_update AFTER UPDATE OF lesson_id, student_id ON learning_lessonprogress
    FOR EACH ROW WHEN (OLD.lesson_id <> NEW.lesson_id OR OLD.student_id <> NEW.student_id)
    EXECUTE FUNCTION reports_activity_changed();
DROP TRIGGER IF EXISTS reports_submission_activity ON learning_submission;
CREATE TRIGGER reports_submission_activity AFTER INSERT OR DELETE ON learning_submission
    FOR EACH ROW EXECUTE FUNCTION reports_activity_changed();
DROP TRIGGER IF EXISTS reports_submission_activity_update ON learning_submission;
CREATE TRIGGER reports_submission_activity_update AFTER UPDATE OF assignment_id, student_id ON learning_submission
    FOR EACH ROW WHEN (OLD.assignment_id <> NEW.assignment_id OR OLD.student_id <> NEW.student_id)
    EXECUTE FUNCTION reports_activity_changed();

-- The student's own region or town (a profile edit, erasure), or the account row deleted.
CREATE OR REPLACE FUNCTION reports_student_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reports_recount_activity(ARRAY[OLD.id]);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_student_activity ON learning_student;
CREATE TRIGGER reports_student_activity AFTER DELETE ON learning_student
    FOR EACH ROW EXECUTE FUNCTION reports_student_activity();
DROP TRIGGER IF EXISTS reports_student_activity_update ON learning_student;
CREATE TRIGGER reports_student_activity_update AFTER UPDATE OF region_id, town_population ON learning_student
    FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id
                       OR reports_town_size(OLD.town_population) <> reports_town_size(NEW.town_population))
    EXECUTE FUNCTION reports_student_activity();

-- Editors' changes that move lessons or works between seasons and directions: a page moved in the
-- tree (Wagtail rewrites the paths of the whole subtree in one statement), a masterclass given
-- another season, an assignment another season or direction. Rare; the students concerned are
-- recounted.
CREATE OR REPLACE FUNCTION reports_pages_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    SELECT array_agg(DISTINCT p.student_id) INTO ids
    FROM moved_old o JOIN moved_new n ON n.id = o.id AND n.path <> o.path
    JOIN learning_lessonprogress p ON p.lesson_id = n.id;
    IF ids IS NOT NULL THEN PERFORM reports_recount_activity(ids); END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_pages_moved ON wagtailcore_page;
CREATE TRIGGER reports_pages_moved AFTER UPDATE ON wagtailcore_page
    REFERENCING OLD TABLE AS moved_old NEW TABLE AS moved_new
    FOR EACH STATEMENT EXECUTE FUNCTION reports_pages_moved();

CREATE OR REPLACE FUNCTION reports_masterclass_season_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    SELECT array_agg(DISTINCT p.student_id) INTO ids
    FROM wagtailcore_page mp JOIN wagtailcore_page lp ON lp.path LIKE mp.path || '%' AND lp.depth > mp.depth
    JOIN learning_lessonprogress p ON p.lesson_id = lp.id
    WHERE mp.id = NEW.page_ptr_id;
    IF ids IS NOT NULL THEN PERFORM reports_recount_activity(ids); END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_masterclass_season ON cms_masterclasspage;
CREATE TRIGGER reports_masterclass_season AFTER UPDATE OF season_id ON cms_masterclasspage
    FOR EACH ROW WHEN (OLD.season_id IS DISTINCT FROM NEW.season_id)
    EXECUTE FUNCTION reports_masterclass_season_changed();

CREATE OR REPLACE FUNCTION reports_assignment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    SELECT array_agg(DISTINCT student_id) INTO ids FROM learning_submission WHERE assignment_id = NEW.id;
    IF ids IS NOT NULL THEN PERFORM reports_recount_activity(ids); END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_assignment_activity ON learning_assignment;
CREATE TRIGGER reports_assignment_activity AFTER UPDATE OF season_id, direction_id ON learning_assignment
    FOR EACH ROW WHEN (OLD.season_id <> NEW.season_id OR OLD.direction_id <> NEW.direction_id)
    EXECUTE FUNCTION reports_assignment_changed();

-- Works by assignment, status and how many jury scores they carry. A work enters or leaves its cell
-- (assignment, status, its score count now) as it is written; a statement on scores moves each
-- work it touched from the cell of its count before (now minus the statement's net change, from
-- the transition tables: right for multi-row statements too) to the cell of its count now. The
-- works are locked first (FOR NO KEY UPDATE, as for activity), so two jurors scoring one work at
-- once, or a juror and a status change, take turns and each counts what the other committed. A
-- work or score row missing its partner (a deferred foreign key mid-transaction) is counted by
-- whichever side is written while both exist.
CREATE OR REPLACE FUNCTION reports_count_jury_work(task bigint, work_status varchar, given integer, delta integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delta > 0 THEN
        INSERT INTO reports_jurycell (assignment_id, status, scores, works) VALUES (task, work_status, given, delta)
        ON CONFLICT (assignment_id, status, scores) DO UPDATE SET works = reports_jurycell.works + excluded.works;
        RETURN;
    END IF;
    UPDATE reports_jurycell SET works = works + delta
    WHERE assignment_id = task AND status = work_status AND scores = given;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reports_jurycell has no cell (%, %, %): run verify_report_rollups --rebuild',
            task, work_status, given;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION reports_submission_jury() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    given integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO given FROM learning_score WHERE submission_id = NEW.id;
    ELSE
        SELECT count(*) INTO given FROM learning_score WHERE submission_id = OLD.id;
        PERFORM reports_count_jury_work(OLD.assignment_id, OLD.status, given, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM reports_count_jury_work(NEW.assignment_id, NEW.status, given, 1); END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_submission_jury ON learning_submission;
CREATE TRIGGER reports_submission_jury AFTER INSERT OR DELETE ON learning_submission
    FOR EACH ROW EXECUTE FUNCTION reports_submission_jury();
DROP TRIGGER IF EXISTS reports_submission_jury_update ON learning_submission;
CREATE TRIGGER reports_submission_jury_update AFTER UPDATE OF status, assignment_id ON learning_submission
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.assignment_id <> NEW.assignment_id)
    EXECUTE FUNCTION reports_submission_jury();

CREATE OR REPLACE FUNCTION reports_move_scored_works(ids bigint[], nets integer[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    work record;
BEGIN
    PERFORM 1 FROM learning_submission WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    FOR work IN
        SELECT w.assignment_id, w.status, changed.net,
               (SELECT count(*) FROM learning_score s WHERE s.submission_id = w.id)::integer AS given
        FROM unnest(ids, nets) AS changed (id, net) JOIN learning_submission w ON w.id = changed.id
    LOOP
        PERFORM reports_count_jury_work(work.assignment_id, work.status, work.given - work.net, -1);
        PERFORM reports_count_jury_work(work.assignment_id, work.status, work.given, 1);
    END LOOP;
END $$;

-- One function for the three statement triggers; each branch reads only the transition tables its
-- event has (PL/pgSQL plans a statement when it first runs).
CREATE OR REPLACE FUNCTION reports_scores_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
    nets integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(submission_id), array_agg(n) INTO ids, nets
        FROM (SELECT submission_id, count(*)::integer AS n FROM scores_new GROUP BY 1) changed;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(submission_id), array_agg(n) INTO ids, nets
        FROM (SELECT submission_id, -count(*)::integer AS n FROM scores_old GROUP BY 1) changed;
    ELSE
        SELECT array_agg(submission_id), array_agg(n) INTO ids, nets
        FROM (SELECT submission_id, sum(step)::integer AS n
              FROM (SELECT submission_id, 1 AS step FROM scores_new
                    UNION ALL SELECT submission_id, -1 FROM scores_old) steps
              GROUP BY 1 HAVING sum(step) <> 0) changed;
    END IF;
    IF ids IS NOT NULL THEN PERFORM reports_move_scored_works(ids, nets); END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS reports_scores_added ON learning_score;
CREATE TRIGGER reports_scores_added AFTER INSERT ON learning_score
    REFERENCING NEW TABLE AS scores_new FOR EACH STATEMENT EXECUTE FUNCTION reports_scores_changed();
DROP TRIGGER IF EXISTS reports_scores_removed ON learning_score;
CREATE TRIGGER reports_scores_removed AFTER DELETE ON learning_score
    REFERENCING OLD TABLE AS scores_old FOR EACH STATEMENT EXECUTE FUNCTION reports_scores_changed();
DROP TRIGGER IF EXISTS reports_scores_moved ON learning_score;
CREATE TRIGGER reports_scores_moved AFTER UPDATE ON learning_score
    REFERENCING OLD TABLE AS scores_old NEW TABLE AS scores_new
    FOR EACH STATEMENT EXECUTE FUNCTION reports_scores_changed();
"""
    membership_some = MEMBERSHIP_SQL.replace("{only}", "student_id = ANY(ids)")
    return _town_size_sql() + (
        triggers.replace("{day_old}", day_old)
        .replace("{day_new}", day_new)
        .replace("{membership_some}", membership_some)
    )


UNINSTALL_JURY_SQL = """
DROP TRIGGER IF EXISTS reports_submission_jury ON learning_submission;
DROP TRIGGER IF EXISTS reports_submission_jury_update ON learning_submission;
DROP TRIGGER IF EXISTS reports_scores_added ON learning_score;
DROP TRIGGER IF EXISTS reports_scores_removed ON learning_score;
DROP TRIGGER IF EXISTS reports_scores_moved ON learning_score;
DROP FUNCTION IF EXISTS reports_scores_changed();
DROP FUNCTION IF EXISTS reports_move_scored_works(bigint[], integer[]);
DROP FUNCTION IF EXISTS reports_submission_jury();
DROP FUNCTION IF EXISTS reports_count_jury_work(bigint, varchar, integer, integer);
"""

UNINSTALL_SQL = (
    UNINSTALL_JURY_SQL
    + """
DROP TRIGGER IF EXISTS reports_submission_rollup ON learning_submission;
DROP TRIGGER IF EXISTS reports_submission_rollup_update ON learning_submission;
DROP TRIGGER IF EXISTS reports_student_rollup ON learning_student;
DROP TRIGGER IF EXISTS reports_student_rollup_update ON learning_student;
DROP TRIGGER IF EXISTS reports_progress_rollup ON learning_lessonprogress;
DROP TRIGGER IF EXISTS reports_progress_rollup_update ON learning_lessonprogress;
DROP TRIGGER IF EXISTS reports_like_rollup ON learning_like;
DROP TRIGGER IF EXISTS reports_like_rollup_update ON learning_like;
DROP TRIGGER IF EXISTS reports_progress_activity ON learning_lessonprogress;
DROP TRIGGER IF EXISTS reports_progress_activity_update ON learning_lessonprogress;
DROP TRIGGER IF EXISTS reports_submission_activity ON learning_submission;
DROP TRIGGER IF EXISTS reports_submission_activity_update ON learning_submission;
DROP TRIGGER IF EXISTS reports_student_activity ON learning_student;
DROP TRIGGER IF EXISTS reports_student_activity_update ON learning_student;
DROP TRIGGER IF EXISTS reports_pages_moved ON wagtailcore_page;
DROP TRIGGER IF EXISTS reports_masterclass_season ON cms_masterclasspage;
DROP TRIGGER IF EXISTS reports_assignment_activity ON learning_assignment;
DROP FUNCTION IF EXISTS reports_activity_changed();
DROP FUNCTION IF EXISTS reports_student_activity();
DROP FUNCTION IF EXISTS reports_pages_moved();
DROP FUNCTION IF EXISTS reports_masterclass_season_changed();
DROP FUNCTION IF EXISTS reports_assignment_changed();
DROP FUNCTION IF EXISTS reports_recount_activity(bigint[]);
DROP FUNCTION IF EXISTS reports_submission_changed();
DROP FUNCTION IF EXISTS reports_count_work(learning_submission, integer);
DROP FUNCTION IF EXISTS reports_student_changed();
DROP FUNCTION IF EXISTS reports_progress_changed();
DROP FUNCTION IF EXISTS reports_like_changed();
DROP FUNCTION IF EXISTS reports_town_size(integer);
"""
)


def recount_sql():
    """Each rollup table's rows as the raw tables give them: {table: (SELECT of key columns + count)}.
    The counting rules here are the definition; the triggers keep to them."""
    return {
        "reports_workcell": (
            ["assignment_id", "region_id", "town_size", "age_band", "status"],
            ["works"],
            """SELECT w.assignment_id, s.region_id, reports_town_size(s.town_population), w.age_band, w.status,
                      count(*)
               FROM learning_submission w JOIN learning_student s ON s.id = w.student_id
               GROUP BY 1, 2, 3, 4, 5""",
        ),
        "reports_lessoncell": (
            ["lesson_id"],
            ["views", "completions"],
            "SELECT lesson_id, count(*), count(completed_at) FROM learning_lessonprogress GROUP BY 1",
        ),
        "reports_likecell": (
            ["assignment_id"],
            ["likes"],
            """SELECT w.assignment_id, count(*) FROM learning_like l
               JOIN learning_submission w ON w.id = l.submission_id GROUP BY 1""",
        ),
        "reports_activity": (
            ["student_id", "season_id", "direction_id", "region_id", "town_size"],
            [],
            MEMBERSHIP_SQL.replace("{only}", "true"),
        ),
        "reports_activecell": (
            ["season_id", "direction_id", "region_id", "town_size"],
            ["students"],
            "SELECT season_id, direction_id, region_id, town_size, count(*) FROM ({membership}) AS active "
            "(student_id, season_id, direction_id, region_id, town_size) GROUP BY 1, 2, 3, 4".replace(
                "{membership}", MEMBERSHIP_SQL.replace("{only}", "true")
            ),
        ),
        "reports_registrationday": (
            ["day"],
            ["students"],
            "SELECT {day}, count(*) FROM learning_student WHERE deleted_at IS NULL GROUP BY 1".replace(
                "{day}", _registration_day("created_at")
            ),
        ),
        "reports_jurycell": (
            ["assignment_id", "status", "scores"],
            ["works"],
            """SELECT assignment_id, status, given, count(*)
               FROM (SELECT w.assignment_id, w.status, count(s.id) AS given FROM learning_submission w
                     LEFT JOIN learning_score s ON s.submission_id = w.id GROUP BY w.id) works
               GROUP BY 1, 2, 3""",
        ),
    }


def install():
    with connection.cursor() as cursor:
        cursor.execute(install_sql())


def rebuild(tables=None):
    """Replace every rollup (or those of `tables`) with the recount from the raw tables (the
    backfill; repairs drift). Locks the counted tables against writes meanwhile, so no change falls
    between count and swap."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "LOCK TABLE learning_student, learning_submission, learning_lessonprogress, learning_like,"
            " learning_score, learning_assignment, cms_masterclasspage, wagtailcore_page IN SHARE MODE"
        )
        for table, (keys, counts, select) in recount_sql().items():
            if tables is not None and table not in tables:
                continue
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (table names are the constants above)
            cursor.execute(f"INSERT INTO {table} ({', '.join(keys + counts)}) {select}")  # noqa: S608


def problems(limit=50):
    """Differences between each rollup and its recount: ["table: в сводке (…) | по записям (…)"],
    at most `limit` per table. Empty when every rollup is exact. Cells at zero count as absent. The
    comparison runs in the database (EXCEPT both ways), so checking millions of rows stays cheap."""
    found = []
    with connection.cursor() as cursor:
        for table, (keys, counts, select) in recount_sql().items():
            columns = ", ".join(keys + counts)
            nonzero = " OR ".join(f"{count} <> 0" for count in counts) or "true"
            stored = f"SELECT {columns} FROM {table} WHERE {nonzero}"  # noqa: S608 (the constants above)
            cursor.execute(
                f"WITH stored AS ({stored}), recounted AS ({select}) "  # noqa: S608
                f"(SELECT 'в сводке', * FROM (TABLE stored EXCEPT ALL TABLE recounted) extra LIMIT {int(limit)}) "
                f"UNION ALL (SELECT 'по записям', * FROM (TABLE recounted EXCEPT ALL TABLE stored) missing "
                f"LIMIT {int(limit)})"
            )
            found += [f"{table}: {side} {tuple(row)}" for side, *row in cursor.fetchall()]
    # The ledger's running totals of the days not yet digested, which the report reads too (kept by
    # engagement's periodic tally, not by triggers; verify_report_rollups --rebuild restarts it).
    return found + engagement_selectors.recent_total_problems()[:limit]


# --- what the report reads ------------------------------------------------------------------------


def maintained():
    """The triggers exist on PostgreSQL only; elsewhere (a SQLite development database) the report
    counts the raw rows as it always did."""
    return connection.vendor == "postgresql"


def work_cube(assignment_ids):
    """The season's works by (region, town size, direction, age band), with how many are public,
    won, were rejected or wait for a moderator: the rows ReportFilter.work_cube has always had."""

    def counted(**condition):
        return Sum("works", filter=Q(**condition), default=0)

    return [
        {
            "student__region_id": row["region_id"],
            "bucket": row["town_size"],
            "assignment__direction_id": row["assignment__direction_id"],
            "age_band": row["age_band"],
            "works": row["all_works"],
            "public": row["public"],
            "winners": row["winners"],
            "rejected": row["rejected"],
            "pending": row["pending"],
        }
        for row in WorkCell.objects.filter(assignment_id__in=assignment_ids, works__gt=0)
        .values("region_id", "town_size", "assignment__direction_id", "age_band")
        .annotate(
            all_works=Sum("works"),
            public=counted(status__in=list(PUBLIC_STATUSES)),
            winners=counted(status=Submission.Status.WINNER),
            rejected=counted(status=Submission.Status.REJECTED),
            pending=counted(status=Submission.Status.PENDING),
        )
        .order_by()
    ]


WORK_MEASURES = ("works", "public", "winners", "rejected", "pending")
# The groupings the report's tables read the works by (see ReportFilter.work_totals): GROUPING()'s
# bits, 1 for each column rolled up, in the order region, town size, direction, age band.
_WORK_GROUPINGS = {0b0111: "region", 0b1011: "bucket", 0b1100: "direction_band", 0b1111: "all"}


def work_totals(assignment_ids):
    """The season's works added up by region, by town size, by (direction, age band) and in all,
    each with how many are public, won, were rejected or wait for a moderator: one GROUPING SETS
    query over the cells, so PostgreSQL returns a hundred-odd rows instead of the whole cube (ten
    thousand rows at a million students, which Python then summed four times over)."""
    statuses = {
        "public": list(PUBLIC_STATUSES),
        "winners": [Submission.Status.WINNER],
        "rejected": [Submission.Status.REJECTED],
        "pending": [Submission.Status.PENDING],
    }
    sums = ", ".join(
        ["sum(c.works)"] + ["coalesce(sum(c.works) FILTER (WHERE c.status = ANY(%s)), 0)" for _ in statuses]
    )
    totals = {"all": {}, "region": {}, "bucket": {}, "direction_band": {}}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT GROUPING(c.region_id, c.town_size, a.direction_id, c.age_band), c.region_id, c.town_size,
                       a.direction_id, c.age_band, {sums}
                FROM reports_workcell c JOIN learning_assignment a ON a.id = c.assignment_id
                WHERE c.assignment_id = ANY(%s) AND c.works > 0
                GROUP BY GROUPING SETS ((c.region_id), (c.town_size), (a.direction_id, c.age_band), ())""",  # noqa: S608 (only %s)
            [*[list(map(str, values)) for values in statuses.values()], list(assignment_ids)],
        )
        for grouping, region, size, direction, band, *counts in cursor.fetchall():
            name = _WORK_GROUPINGS[grouping]
            key = {"region": region, "bucket": size, "direction_band": (direction, band), "all": None}[name]
            row = {measure: count or 0 for measure, count in zip(WORK_MEASURES, counts, strict=True)}
            if name == "all":
                totals["all"] = row
            else:
                totals[name][key] = row
    totals["all"] = totals["all"] or dict.fromkeys(WORK_MEASURES, 0)
    return totals


def lesson_views(lesson_ids):
    """{views, completions} of these lessons: their progress rows, and those completed."""
    return LessonCell.objects.filter(lesson_id__in=lesson_ids).aggregate(
        views=Sum("views", default=0), completions=Sum("completions", default=0)
    )


def likes_on_assignments(assignment_ids):
    """How many likes the works of these assignments carry now."""
    return LikeCell.objects.filter(assignment_id__in=assignment_ids).aggregate(n=Sum("likes", default=0))["n"]


def active_students(season, direction=None):
    """The season's active students (of one direction, if given) by region and town size: the rows
    ReportFilter.student_cube has always had."""
    cells = ActiveCell.objects.filter(season=season, students__gt=0)
    cells = cells.filter(direction=direction) if direction is not None else cells.filter(direction__isnull=True)
    return [
        {"region_id": region, "bucket": size, "students": n}
        for region, size, n in cells.values_list("region_id", "town_size", "students")
    ]


def registered_on_days(first, last):
    """Live student accounts created from the Moscow day `first` to `last`, both included."""
    return RegistrationDay.objects.filter(day__range=(first, last)).aggregate(n=Sum("students", default=0))["n"]


def jury_figures(assignment_ids):
    """The jury's side of these assignments' works per direction, as
    learning.selectors.jury_figures_by_direction gives it from the rows: ({direction_id: {works,
    due, scored, winners, finalists}}, {direction_id: scores given}). Works in the jury's hands
    are those shortlisted and on; a work is fully scored once its scores reach the assignment's
    jurors per work, read from the assignment now."""
    jurors = F("assignment__jurors_per_work")
    rows = (
        JuryCell.objects.filter(assignment_id__in=assignment_ids, status__in=list(SHORTLIST_STATUSES), works__gt=0)
        .values("assignment__direction_id")
        .annotate(  # named apart from the columns: an annotation called "works" would shadow F("works")
            all_works=Sum("works"),
            scores_due=Sum(F("works") * jurors),
            fully_scored=Sum("works", filter=Q(scores__gte=jurors), default=0),
            won=Sum("works", filter=Q(status=Submission.Status.WINNER), default=0),
            finals=Sum("works", filter=Q(status=Submission.Status.FINALIST), default=0),
            given=Sum(F("works") * F("scores")),
        )
        .order_by()
    )
    figures, given = {}, {}
    for row in rows:
        direction_id = row["assignment__direction_id"]
        figures[direction_id] = {
            "assignment__direction_id": direction_id,
            "works": row["all_works"],
            "due": row["scores_due"],
            "scored": row["fully_scored"],
            "winners": row["won"],
            "finalists": row["finals"],
        }
        given[direction_id] = row["given"]
    return figures, given
