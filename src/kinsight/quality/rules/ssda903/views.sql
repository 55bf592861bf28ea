-- Derived views the SSDA903 rules share, created after the tables are loaded.

-- Children looked after continuously through the collection year, as DfE defines it
-- (SSDA903 validation rules, "looked after continuously for 12 months"): in care at
-- some point in the year, and no episode shows a start of care in the year, a leaving
-- of care in the year, or a short-break (V3/V4) legal status during the year.
-- A table, not a view: a dozen rules read it, and it is worked out once.
CREATE TABLE looked_after_continuously AS
SELECT CHILD
FROM (
    SELECT CHILD,
           coalesce(dt(DECOM) <= collection_end() AND (dt(DEC) >= collection_start() OR dt(DEC) IS NULL), false)
               AS during_year,
           coalesce(RNE = 'S' AND dt(DECOM) > collection_start() AND dt(DECOM) <= collection_end(), false)
               AS enters_care,
           coalesce(coalesce(REC, '') <> 'X1' AND dt(DEC) >= collection_start() AND dt(DEC) < collection_end(), false)
               AS leaves_care,
           coalesce(LS IN ('V3', 'V4'), false) AS short_break
    FROM Episodes
)
GROUP BY CHILD
HAVING bool_or(during_year) AND NOT bool_or(enters_care OR leaves_care OR (short_break AND during_year));

-- Each child's header date of birth (the first one given, should Header repeat a child).
CREATE VIEW child_dob AS
SELECT CHILD, dt(arg_min(DOB, row_number)) AS dob FROM Header GROUP BY CHILD;

-- Whether each child was an unaccompanied asylum-seeking child: in the DfE XML, the UASC
-- flag of the child's HEADER (UASCStatus, as given, blank included); a CSV return has no such
-- field, so, as the sector's tools derive it, the child has a row in the UASC table.
CREATE VIEW header_uasc AS
SELECT h.CHILD, h.row_number,
       CASE WHEN EXISTS (SELECT 1 FROM UASCStatus) THEN s.UASC WHEN u.CHILD IS NULL THEN '0' ELSE '1' END AS UASC
FROM Header h LEFT JOIN (SELECT DISTINCT CHILD FROM UASC) u USING (CHILD)
LEFT JOIN (SELECT CHILD, any_value(UASC) AS UASC FROM UASCStatus GROUP BY CHILD) s USING (CHILD);

CREATE VIEW header_uasc_previous AS
SELECT h.CHILD,
       CASE WHEN EXISTS (SELECT 1 FROM UASCStatus_previous) THEN s.UASC WHEN u.CHILD IS NULL THEN '0' ELSE '1' END
           AS UASC
FROM Header_previous h LEFT JOIN (SELECT DISTINCT CHILD FROM UASC_previous) u USING (CHILD)
LEFT JOIN (SELECT CHILD, any_value(UASC) AS UASC FROM UASCStatus_previous GROUP BY CHILD) s USING (CHILD);

-- Children who are or were UASC (this year's or last year's return says so), whom DfE
-- exempts from having a placement distance.
CREATE VIEW uasc_ever AS
SELECT CHILD FROM header_uasc WHERE UASC = '1'
UNION SELECT CHILD FROM header_uasc_previous WHERE UASC = '1';

-- Each episode with the fields DfE derives from its postcodes (Postcodes holds the lookup
-- rows of the postcodes the return uses): PL_LA, the LA of placement (its ONS code, or
-- WAL, SCO, NIR outside England; blank when the placement postcode is not a known one);
-- PL_LOCATION, IN the LA being validated or OUT of it (blank for an unknown postcode); PL_DISTANCE, the
-- straight line from home to placement in miles to one decimal, as DfE's guidance computes
-- it from the postcodes' grid references (metres / 1,609.3).
CREATE MACRO placement_fields(episodes) AS TABLE
SELECT e.*, p.LA AS PL_LA,
       CASE WHEN p.POSTCODE IS NULL THEN NULL WHEN p.LA = la_code() THEN 'IN' ELSE 'OUT' END AS PL_LOCATION,
       round(sqrt((CAST(h.EASTING AS DOUBLE) - CAST(p.EASTING AS DOUBLE)) ** 2
                  + (CAST(h.NORTHING AS DOUBLE) - CAST(p.NORTHING AS DOUBLE)) ** 2) / 1609.3, 1) AS PL_DISTANCE
FROM query_table(episodes) e
LEFT JOIN Postcodes h ON h.POSTCODE = replace(e.HOME_POST, ' ', '')
LEFT JOIN Postcodes p ON p.POSTCODE = replace(e.PL_POST, ' ', '');

-- Tables, not views: seventeen rules read them, and the joins are worked out once.
CREATE TABLE placements AS SELECT * FROM placement_fields('Episodes');
CREATE TABLE placements_previous AS SELECT * FROM placement_fields('Episodes_previous');

-- Each Ofsted provider with the LA its postcode lies in (the lists' own LA names are not
-- codes), as the sector's validator infers it.
CREATE VIEW provider_las AS
SELECT r.*, p.LA AS LA FROM Providers r LEFT JOIN Postcodes p USING (POSTCODE);

-- Periods of care: a child's episodes, in date order, joined while each starts no later
-- than the one before ended; a period whose last episode is open has no end.
-- A table, worked out once for the rules that read it.
CREATE TABLE periods_of_care AS
SELECT CHILD, period, min(start_date) AS period_start, arg_max_null(end_date, start_date) AS period_end
FROM (
    SELECT *, sum(CASE WHEN previous_end IS NOT NULL AND start_date <= previous_end THEN 0 ELSE 1 END)
                  OVER (PARTITION BY CHILD ORDER BY start_date, row_number) AS period
    FROM (SELECT CHILD, row_number, dt(DECOM) AS start_date, dt(DEC) AS end_date,
                 lag(dt(DEC)) OVER (PARTITION BY CHILD ORDER BY dt(DECOM), row_number) AS previous_end
          FROM Episodes WHERE dt(DECOM) IS NOT NULL))
GROUP BY CHILD, period;

-- A date where DfE allows ZZ for an unknown day or month (previous permanence orders,
-- social worker episodes): read as the latest date it could be, so that it never
-- causes a false error.
CREATE MACRO partial_date(x) AS CASE
    WHEN x LIKE 'ZZ/ZZ/____' THEN dt('31/12/' || x[7:10])
    WHEN x LIKE 'ZZ/__/____' THEN last_day(dt('01/' || x[4:10]))
    ELSE dt(x) END;
