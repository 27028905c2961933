"""Printing an import report: every problem row, then the counts."""

from cehours.integration.exchange import STATUS_LABELS


def print_report(command, report, statuses) -> None:
    for row in report.problems:
        command.stdout.write(f"第 {row.row} 行（{row.key}）：{'；'.join(row.errors)}")
    if report.dry_run:
        ok = report.count("ok")
        command.stdout.write(
            f"试运行：共 {len(report.rows)} 行，可导入 {ok} 行，有问题 {len(report.problems)} 行；未写入任何数据"
        )
        if report.problems:
            raise SystemExit(1)
        return
    counts = "，".join(f"{STATUS_LABELS[s]} {report.count(s)}" for s in statuses)
    command.stdout.write(f"导入完成：共 {len(report.rows)} 行，{counts}")
