-- v9 → v10：筛选范围内某年的党员积分，六个积分查询共用（与 schema.sql 中的相同，迁移各自独立）。
-- 与 scoped_tickets 同理：未按片区/村筛选时不与名录连接（每条积分记录的村都在名录中，导入时已校验），
-- 年份写成 period 的范围而不是 left(period, 4)，DuckDB 因此能跳过其他年份的数据块。
create or replace macro scoped_points(p_year, p_town, p_area, p_villages) as table
    select p.*
    from member_points as p
    where
        p.period >= cast(p_year as varchar)
        and p.period < cast(p_year + 1 as varchar)
        and p_area is null
        and p_villages is null
        and (p_town is null or p.town = p_town)
    union all
    select p.*
    from member_points as p
    inner join scoped_units(p_town, p_area, p_villages) as u
        on p.town = u.town and p.village = u.village
    where
        p.period >= cast(p_year as varchar)
        and p.period < cast(p_year + 1 as varchar)
        and (p_area is not null or p_villages is not null);
