-- v3 → v4：占比统一“四舍五入保留一位小数”，用整数运算，避免浮点误差（3/2000 应为 0.2%）
create or replace macro share_pct(part, whole) as
    case
        when whole = 0 then null
        else cast(cast((part::hugeint * 2000 + whole) // (2 * whole) as decimal(18, 0)) * 0.1 as decimal(18, 1))
    end;
