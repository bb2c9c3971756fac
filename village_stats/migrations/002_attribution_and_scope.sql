-- v1 → v2：导入历史记录操作人（谁、何时导入）；增加看板统一筛选范围宏
alter table imports add column imported_by varchar not null default '本机用户';

-- 看板的统一筛选范围（见 schema.sql）
create or replace macro scoped_units(p_town, p_area, p_villages) as table
    select
        town,
        name as village,
        kind,
        area
    from villages
    where
        (p_town is null or town = p_town)
        and (p_area is null or area = p_area)
        and (p_villages is null or list_contains(p_villages, name));

-- 筛选范围内某年的项目：村级项目按所属村筛选；镇级项目（所属村为空）只在未按片区/村筛选时计入
create or replace macro scoped_projects(p_year, p_town, p_area, p_villages) as table
    select p.*
    from projects as p
    left join scoped_units(p_town, p_area, p_villages) as u
        on p.town = u.town and p.village = u.village
    where
        p.year = p_year
        and (
            u.village is not null
            or (p.village is null and p_area is null and p_villages is null and (p_town is null or p.town = p_town))
        );
