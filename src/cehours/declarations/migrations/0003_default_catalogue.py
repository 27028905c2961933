"""The platform's default activity catalogue covering 第八条's ways of professional learning.

Every value here is a placeholder marked is_default: each industry authority sets its own
catalogue (R8, 行业专业技术人员继续教育学时登记细则); an industry's row with the same code replaces
the default for that industry.
"""

from django.db import migrations

# code, name, category, formula, hours per unit, unit, per-item cap, per-year cap, evidence
DEFAULTS = [
    ("training", "培训研修", "professional", "per_day", "6", "天", None, None, "培训通知、结业证书或签到记录"),
    (
        "general_offline",
        "一般公需科目线下培训",
        "general_public",
        "per_day",
        "6",
        "天",
        None,
        "18",
        "人力社保部门组织培训的通知与结业证明",
    ),
    (
        "academic_activity",
        "专业学术活动（会议、讲座）",
        "professional",
        "per_day",
        "6",
        "天",
        "18",
        "36",
        "会议通知、参会证明或报告材料",
    ),
    ("paper", "发表论文", "professional", "per_item", "20", "篇", None, "60", "刊物封面、目录及论文首页"),
    ("book", "出版著作", "professional", "per_item", "40", "部", None, "60", "著作封面、版权页及本人撰写部分说明"),
    (
        "research_project",
        "完成科研项目",
        "professional",
        "per_item",
        "30",
        "项",
        None,
        "60",
        "立项文件及结题（验收）证明",
    ),
    ("invention_patent", "获得发明专利", "professional", "per_item", "30", "项", None, "60", "专利证书"),
    (
        "utility_patent",
        "获得实用新型专利、软件著作权等知识产权",
        "professional",
        "per_item",
        "10",
        "项",
        None,
        "30",
        "知识产权证书",
    ),
    (
        "counterpart_support",
        "对口支援或基层挂职锻炼",
        "professional",
        "per_item",
        "10",
        "月",
        None,
        "60",
        "派出文件及考核证明",
    ),
    (
        "degree_education",
        "学历（学位）教育",
        "professional",
        "per_item",
        "2",
        "学分",
        None,
        "60",
        "当年课程成绩单或学分证明",
    ),
    (
        "qualification_exam",
        "专业技术资格考试（通过）",
        "professional",
        "fixed",
        "30",
        "次",
        None,
        "30",
        "考试合格证明或成绩通知",
    ),
]


def add(apps, schema_editor):
    ActivityType = apps.get_model("declarations", "ActivityType")
    for code, name, category, formula, hours, unit, item_cap, year_cap, evidence in DEFAULTS:
        ActivityType.objects.update_or_create(
            series=None,
            code=code,
            defaults={
                "name": name,
                "category": category,
                "formula": formula,
                "hours_per_unit": hours,
                "unit_label": unit,
                "per_item_cap": item_cap,
                "per_year_cap": year_cap,
                "evidence_hint": evidence,
                "is_default": True,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("declarations", "ActivityType").objects.filter(series=None, is_default=True).delete()


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_review_workflow")]
    operations = [migrations.RunPython(add, remove)]
