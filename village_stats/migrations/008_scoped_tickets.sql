-- v7 → v8：筛选范围内某年的工单。未按片区/村筛选时不与名录做连接（每张工单的村都在名录中，导入时已校验），
-- 全市一年百万工单的统计因此少了一次百万行的连接（约为原耗时的一半到五分之一，见 docs/decisions.md）。
create or replace macro scoped_tickets(p_year, p_town, p_area, p_villages) as table
    select t.*
    from service_tickets as t
    where
        t.ordered_at >= make_timestamp(p_year, 1, 1, 0, 0, 0)
        and t.ordered_at < make_timestamp(p_year + 1, 1, 1, 0, 0, 0)
        and p_area is null
        and p_villages is null
        and (p_town is null or t.town = p_town)
    union all
    select t.*
    from service_tickets as t
    inner join scoped_units(p_town, p_area, p_villages) as u
        on t.town = u.town and t.village = u.village
    where
        t.ordered_at >= make_timestamp(p_year, 1, 1, 0, 0, 0)
        and t.ordered_at < make_timestamp(p_year + 1, 1, 1, 0, 0, 0)
        and (p_area is not null or p_villages is not null);
