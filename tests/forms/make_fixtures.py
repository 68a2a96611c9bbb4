"""Write the published self-evaluation forms transcribed in SOURCES.md as .xlsx, cell by cell.

Each form is a grid of rows as the published table shows them (left to right, top to bottom) and
the merged ranges a department's Excel copy has; only what the published page shows is typed
(SOURCES.md says where a page's excerpt ends). Run ``python tests/forms/make_fixtures.py`` to
rewrite them; tests/test_recheck.py reads the written ``.xlsx`` files.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name → (grid rows, merged ranges). Numbers are typed as the page shows them.
FORMS: dict[str, tuple[list[list[object]], list[str]]] = {
    # 安徽省池州市贵池区棠溪镇人民政府，2022 年度，委托业务项目（SOURCES.md 1）
    "anhui_chizhou_2022_weituo": ([
        ["附件：", None, None, None, None, None, None, None, None],
        ["项目支出绩效自评表", None, None, None, None, None, None, None, None],
        ["（2022年度）", None, None, None, None, None, None, None, None],
        ["项目名称", None, "委托业务项目", None, None, None, None, None, None],
        ["主管部门", None, "219-池州市贵池区棠溪镇人民政府", None, None, "实施单位",
         "219001-池州市贵池区棠溪镇人民政府", None, None],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, None, "年度资金总额：", 0, 0, 0, 10, 0, 0],
        [None, None, "其中：本年财政拨款", 90, 89.974, 89.974, None, None, None],
        [None, None, "上年结转资金", None, None, None, None, None, None],
        [None, None, "其他资金", None, None, None, None, None, None],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况", None, None, None],
        [None, None, "本项目共申请预算资金90万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
         "30万元用于基建工程项目设计、规划、测绘。", None, None,
         "本项目共完成预算资金89.97万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
         "29.99万元用于基建工程项目设计、规划、测绘。", None, None, None],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        [None, "产出指标(50分)", "数量指标", "基建工程委托业务项目数量", "≥50个", "50", 8, 8, None],
        [None, None, "质量指标", "委托业务报告合格率", "≥100百分比", "100", 8, 8, None],
        [None, None, None, "经费支出合规性", "严格执行相关制度规定", "达成预期指标", 8, 8, None],
        [None, None, "时效指标", "提交报告及时性", "在项目计划完成时间内完成", "达成预期指标", 8, 8, None],
        [None, None, "成本指标", "项目总成本", "≤90万元", "90", 8, 8, None],
        [None, None, None, "单项业务成本", "符合相关规定", "达成预期指标", 10, 10, None],
        [None, "效益指标(30分)", "社会效益指标", "对维护基建市场公平的影响程度", "效果明显", "达成预期指标", 10, 10, None],
        [None, None, "生态效益指标", "对控制基建项目成本影响程度", "效果明显", "达成预期指标", 10, 10, None],
        [None, None, "可持续影响指标", "对推动基建项目“四项制度”健全和落实的持续性影响", "效果明显", "达成预期指标",
         10, 10, None],
        [None, None, "经济效益指标", None, None, None, None, None, None],
    ], ["A2:I2", "A3:I3", "A4:B4", "C4:I4", "A5:B5", "C5:E5", "G5:I5", "A6:B10", "A11:B12",
        "C11:E11", "F11:I11", "C12:E12", "F12:I12", "A13:A23", "B14:B19", "B20:B23", "C15:C16",
        "C18:C19"]),
    # 云南省丽江市古城区自然资源局，2020 年度，省级自然资源卫片执法补助经费（SOURCES.md 2）
    "yunnan_lijiang_2020_weipian": ([
        ["2020年度项目支出绩效自评表", None, None, None, None, None, None, None, None, None],
        ["项目名称", None, "2020年省级自然资源卫片执法补助经费支出绩效自评表", None, None, None, None, None, None,
         None],
        ["主管部门", None, "丽江市自然资源和规划局", None, None, "实施单位", "丽江市古城区自然资源局", None, None,
         None],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", None],
        [None, None, "年度资金总额", 7.29, 7.29, 7.29, 10.00, "100%", 10.00, None],
        [None, None, "其中：当年财政拨款", 7.29, 7.29, 7.29, None, "100%", None, None],
        [None, None, "上年结转资金", None, None, None, None, None, None, None],
        [None, None, "其他资金", None, None, None, None, None, None, None],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况", None, None, None, None],
        [None, None, "自然资源卫片执法补助经费", None, None, "自然资源卫片执法补助经费", None, None, None, None],
        ["绩效指标", None, None, "年度指标值", None, None, "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", None, None, None, None],
        ["产出指标", "数量指标", "卫片执法补助经费", "﹦", 72890, "元", 72890, 10.00, 9.00, None],
        [None, "质量指标", "项目验收合格率", "﹦", 100, "%", 100, 20, 19, None],
        [None, "时效指标", "项目完成及时率", "﹦", 100, "%", 100, 20.00, 19.00, None],
        ["效益指标", "社会效益指标", "违法行为责停率", "≥", 95, "%", 95, 30.00, 27.00, None],
    ], ["A1:J1", "A2:B2", "C2:J2", "A3:B3", "C3:E3", "G3:J3", "A4:B8", "A9:B10", "C9:E9",
        "F9:J9", "C10:E10", "F10:J10", "A11:C11", "D11:F11", "G11:G12", "H11:H12", "I11:I12",
        "J11:J12", "A13:A15"]),
    # 四川省眉山市青神县发展和改革局，2023 年度，工资性支出（SOURCES.md 3）
    "sichuan_qingshen_2023_gongzi": ([
        ["报表编号：510000_0013zp", None, None, None, None, None, None, None, None, None, None],
        ["部门预算项目支出绩效自评表（2023年度）", None, None, None, None, None, None, None, None, None, None],
        ["项目名称", None, "51000021R000000019951-工资性支出", None, None, None, None, None, None, None, None],
        ["主管部门", None, "青神县发展和改革局本级", None, None, "实施单位（盖章）", None, "青神县发展和改革局", None,
         None, None],
        ["项目基本情况", "1.项目年度目标完成情况", None, "项目年度目标", None, None, "年度目标完成情况", None, None,
         None, None],
        [None, None, None, "严格执行相关政策，保障工资及时、足额发放或社保及时、足额缴纳，预算编制科学合理，减少结余资金。",
         None, None, "对照年度目标，说明相关任务目标的完成情况（100字以内）", None, None, None, None],
        [None, "2.项目实施内容及过程概述", None, None, None, None, None, None, None, None, None],
        ["预算执行情况（10分）", "年度预算数（万元）", None, "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重",
         "得分", "原因", None],
        [None, "总额", None, 238.93, 251.89, 251.89, "100.00%", 10, None,
         "1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因（100字以内）；2.年中发生预算调整的"
         "（追加或调减），应单独说明理由；3.其他资金包括：社会投入资金、银行贷款.", None],
        [None, "其中：财政资金", None, 238.93, 251.89, 251.89, "100.00%", "/", "/", None, None],
        [None, "财政专户管理资金", None, 0.00, 0.00, 0.00, "0.00%", "/", "/", None, None],
        [None, "单位资金", None, 0.00, 0.00, 0.00, "0.00%", "/", "/", None, None],
        [None, "其他资金", None, None, None, None, None, "/", "/", None, None],
        ["绩效指标（90分）", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重",
         "得分", "未完成原因分析"],
        [None, "产出指标", "数量指标", "发放（缴纳）覆盖率", "=", 100, "%", None, 60, None, None],
        [None, "效益指标", "社会效益指标", "足额保障率（参保率）", "=", 100, "%", None, 30, None, None],
        ["合计", None, None, None, None, None, None, None, 100, None, None],
        ["评价结论", "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）", None, None, None,
         None, None, None, None, None, None],
    ], ["A2:K2", "A3:B3", "C3:K3", "A4:B4", "C4:E4", "F4:G4", "H4:K4", "A5:A7", "B5:C6",
        "D5:F5", "G5:K5", "D6:F6", "G6:K6", "B7:C7", "A8:A13", "B8:C8", "B9:C9", "B10:C10",
        "B11:C11", "B12:C12", "B13:C13", "J9:K13", "A14:A16", "A17:H17"]),
    # 四川省德阳市中江县水利局，2022 年度，衔接资金项目（SOURCES.md 4）；项目负责人及电话不转录
    "sichuan_zhongjiang_2022_biaochi": ([
        ["绩效目标自评表（2022年度）", None, None, None, None, None, None, None, None],
        ["项目名称", None, "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装项目", None, None,
         None, "项目负责人及电话", None, None],
        ["主管部门", None, "中江县水利局", None, None, None, "实施单位", "中江县水利局", None],
        ["资金情况（万元）", None, None, "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分", None],
        [None, None, "年度资金总额：", 20, 20, 10, "100.00%", 10, None],
        [None, None, "其中：本年财政拨款", 20, 20, None, None, None, None],
        [None, None, "其他资金", None, None, None, None, None, None],
        ["年度总体目标", None, "年初设定目标", None, None, "年度总体目标完成情况综述", None, None, None],
        [None, None, "对农村地区供水计量设施设备进行改进，对项目区农业用水计量，为项目区农业生产夯实基础，", None,
         None, "对项目区农业用水计量，为项目区农业生产夯实基础，", None, None, None],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分",
         "未完成原因及拟采取的改进措施"],
        [None, "产出指标(70分)", "数量指标", "安装坡面水标尺", 10, "≥266米", "≥266米", 10, None],
        [None, None, None, "水标尺宽度", 10, "≥50厘米", "≥50厘米", 10, None],
        [None, None, "质量指标", "项目（工程）验收合格率", 20, "100%", "100%", 20, None],
        [None, None, "时效指标", "及时（按期）开工率", 10, "≥90%", "≥90%", 10, None],
        [None, None, None, "及时（按期）完工率", 10, "≥90%", "≥90%", 10, None],
        [None, None, "成本指标", "项目计划总投资", 10, "20万元", "20万元", 10, None],
        [None, "效益指标(20分)", "经济效益指标", None, None, None, None, None, None],
        [None, None, "社会效益指标", "受益脱贫（含监测对象）户人口数", 10, "≥1000人", "≥1000人", 10, None],
        [None, None, None, "群众生产生活条件改善状况", 10, "显著提升", "显著提升", 10, None],
        [None, "满意度指标(10分)", "服务对象满意度指标", "受益脱贫（含监测对象）户满意度", 10, "≥95%", "≥95%", 10,
         None],
        [None, None, None, "……", None, None, None, None, None],
        ["总分", None, None, None, 100, None, None, 100, None],
        ["注：1.一级指标分值统一设置为：产出指标50分、效益指标30分、满意度指标10分、预算资金执行率10分，"
         "各部门根据各项指标重要程度确定三级指标的分值，得分最高不能超过该指标分值上限", None, None, None, None,
         None, None, None, None],
    ], ["A1:I1", "A2:B2", "C2:F2", "H2:I2", "A3:B3", "C3:F3", "H3:I3", "A4:C4", "A5:B7",
        "A8:B9", "C8:E8", "F8:I8", "C9:E9", "F9:I9", "A10:A21", "B11:B16", "B17:B19", "B20:B21",
        "C11:C12", "C14:C15", "C18:C19", "C20:C21", "A22:D22", "A23:I23"]),
    # 河北省廊坊市食品工程学校（主管部门 廊坊市发改委），2019 年度，暖通改造经费（SOURCES.md 5）
    "hebei_langfang_2019_nuantong": ([
        ["附件1", None, None, None, None, None, None, None, None],
        ["项目支出绩效自评表", None, None, None, None, None, None, None, None],
        ["2019年度）", None, None, None, None, None, None, None, None],
        ["项目名称", None, "办公宿舍楼、食堂及餐厅暖通改造经费", None, None, None, None, None, None],
        ["主管部门", None, "廊坊市发改委", None, None, "实施单位", "廊坊市食品工程学校", None, None],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, None, "年度资金总额", 43.2, 43.2, 37.24, 10, "86%", 9],
        [None, None, "其中：当年财政拨款", 43.2, 43.2, 37.24, None, None, None],
        [None, None, "上年结转资金", None, None, None, None, None, None],
        [None, None, "其他资金", None, None, None, None, None, None],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况", None, None, None],
        [None, None, 43.2, None, None, 37.24, None, None, None],
        [None, "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        [None, "产出指标", "数量指标", "指标1工程资金金额", 43.2, 37.24, 10, 9,
         "已完工，剩余3%尾款未付，且最高限价低于预算金额。提高预算准确度。"],
        [None, None, None, "指标2", None, None, None, None, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, None, "质量指标", "指标1工程完工率", 100, 100, 10, 10, None],
        [None, None, None, "指标2工程验收合格率", 100, 100, 10, 10, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, None, "时效指标", "指标1项目完成及时率", 100, 100, 10, 10, None],
        [None, None, None, "指标2", None, None, None, None, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, None, "成本指标", "指标1成本控制率", 100, 100, 10, 10, None],
        [None, None, None, "指标2", None, None, None, None, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, "效益指标", "经济效益指标", "指标1安全率", 100, 100, 10, 10, 0],
        [None, None, None, "指标2", None, None, None, None, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, None, "社会效益指标", "指标1学校发展能力", 100, 100, 10, 10, 0],
        [None, None, None, "指标2", None, None, None, None, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, None, "生态效益指标", "指标1", None, None, None, None, None],
        [None, None, None, "指标2", None, None, None, None, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, "效益指标", "可持续影响指标", "指标1长期使用性", 100, 100, 10, 10, None],
        [None, None, None, "指标2", None, None, None, None, None],
        [None, None, None, "……", None, None, None, None, None],
        [None, "满意度指标", "服务对象满意度指标", "指标1学生满意度", 100, 100, 10, 10, 0],
        [None, None, None, "指标2", None, None, None, None, None],
    ], ["A2:I2", "A3:I3", "A4:B4", "C4:I4", "A5:B5", "C5:E5", "G5:I5", "A6:B10", "A11:B12",
        "C11:E11", "F11:I11", "C12:E12", "F12:I12", "B14:B25", "C14:C16", "C17:C19", "C20:C22",
        "C23:C25", "B26:B34", "C26:C28", "C29:C31", "C32:C34", "B35:B37", "C35:C37", "B38:B39",
        "C38:C39"]),
    # 安徽省天长市水利局，2022 年度，水旱灾害防御经费（SOURCES.md 6）；主管部门 published blank
    "anhui_tianchang_2022_fangyu": ([
        ["项目支出绩效自评表", None, None, None, None, None, None, None, None],
        ["（2022年度）", None, None, None, None, None, None, None, None],
        ["项目名称", None, "水旱灾害防御经费", None, None, None, None, None, None],
        ["主管部门", None, None, None, None, "实施单位", "天长市水利局", None, None],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）",
         "得分"],
        [None, None, "年度资金总额：", 880, 880, 880, 10, None, 10],
        [None, None, "其中：本年财政拨款", 880, 880, 880, "-", None, "-"],
        [None, None, "上年结转资金", None, None, None, "-", None, "-"],
        [None, None, "其他资金", None, None, None, "-", None, "-"],
        ["年度总体目标完成情况", None, "预期目标", None, None, "实际完成情况", None, None, None],
        [None, None, "完成年度防汛工作，完成中型灌区节水改造项目和农业综合水价改革项目。", None, None, "完成年度目标。",
         None, None, None],
        ["年度绩效指标完成情况", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        [None, "(50分)", "数量指标", "指标1：完成中型灌区节水改造项目数量", 1, 1, 10, 10, None],
        [None, None, None, "指标2：完成农业综合水价改革项目", 1, 1, 10, 10, None],
    ], ["A1:I1", "A2:I2", "A3:B3", "C3:I3", "A4:B4", "C4:E4", "G4:I4", "A5:B9", "A10:B11",
        "C10:E10", "F10:I10", "C11:E11", "F11:I11", "A12:A14"]),
    # 云南省临沧市永德县明朗中学，2022 年度，义务教育营养改善计划专项资金（SOURCES.md 7）；amounts in 元
    "yunnan_yongde_2022_yingyang": ([
        ["2022年度项目支出绩效自评表", None, None, None, None, None, None, None, None, None],
        ["部门：临沧市永德县明朗中学", None, None, None, None, None, None, None, None, "公开14表"],
        ["项目名称", None, "义务教育营养改善计划专项资金", None, None, None, None, None, None, None],
        ["主管部门", None, "永德县教育体育局", None, None, "实施单位", "永德县明朗中学", None, None, None],
        ["项目资金（元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", None],
        [None, None, "年度资金总额", None, 387664.62, 387664.62, 10, "100%", 10, None],
        [None, None, "其中：当年财政拨款", None, 387664.62, 387664.62, None, "—", None, None],
        [None, None, "上年结转资金", None, "—", None, None, "—", None, None],
        [None, None, "其他资金", None, "—", "—", None, "—", None, None],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况", None, None, None, None],
        [None, None, "确保每一个学生都能享受到国家政策福利，改善学生体质", None, None,
         "确保每一个学生都能享受到国家政策福利，改善学生体质", None, None, None, None],
        ["绩效指标", None, None, "年度指标值", None, None, "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", None, None, None, None],
        ["产出指标", "数量指标", "学生受资助人数", "≧", 735, "人次", 735, 10, 10, None],
        [None, "质量指标", "营养改善计划覆盖率", "≧", 100, "%", "100%", 10, 10, None],
        [None, "时效指标", "资金到位及时率", "≧", 100, "%", "100%", 10, 7, None],
        [None, "成本指标", "生均补助标准达标率", "═", 100, "%", "100%", 10, 10, None],
        ["效益指标", "经济效益指标", "减轻贫困学生家庭经济负担", None, "有效", None, "有效", 10, 10, None],
        [None, "社会效益指标", "政策知晓率", "═", 100, "%", "98%", 10, 9, None],
        [None, "生态效益指标", None, None, None, None, None, None, None, None],
        [None, "可持续影响指标", "促进学校教育事业健康发展", "≧", 100, "%", "100%", 10, 10, None],
        ["满意度指标", "服务对象满意度指标等", "学生满意度", "≧", 95, "%", "100%", 10, 10, None],
        [None, None, "家长满意度", "≧", 95, "%", "100%", 10, 10, None],
        ["其他需要说明事项", None, "无", None, None, None, "总分", 100, 96, "优"],
    ], ["A1:J1", "A2:I2", "A3:B3", "C3:J3", "A4:B4", "C4:E4", "G4:J4", "A5:B9", "A10:B11",
        "C10:E10", "F10:J10", "C11:E11", "F11:J11", "A12:C12", "D12:F12", "G12:G13", "H12:H13",
        "I12:I13", "J12:J13", "A14:A17", "A18:A21", "A22:A23", "B22:B23", "A24:B24", "C24:F24"]),
    # 山西省稷山县翟店镇卫生院（主管部门 稷山县卫生健康和体育局），2021 年度，国家基本公共卫生服务
    # （SOURCES.md 8）: the excerpt's 指标7–指标25 rows only, 一级/二级 cells not shown there
    "shanxi_jishan_2021_gongwei": ([
        ["稷山县项目支出绩效自评表", None, None, None, None, None, None, None, None],
        ["（2021年度）", None, None, None, None, None, None, None, None],
        ["项目名称", None, "国家基本公共卫生服务", None, None, None, None, None, None],
        ["主管部门", None, "稷山县卫生健康和体育局", None, None, "实施单位", "稷山县翟店镇卫生院", None, None],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, None, "年度资金总额", 0, 207.4538, 207.4538, 10, "100%", 10],
        [None, None, "其中：当年财政拨款", 0, 207.4538, 207.4538, "—", "100%", "—"],
        [None, None, "上年结转资金", None, None, None, None, None, None],
        [None, None, "其他资金", None, None, None, None, None, None],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况", None, None, None],
        [None, None, "国家基本公共卫生服务", None, None, "国家基本公共卫生服务", None, None, None],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        [None, None, None, "指标7:建立预防接种证", "221人", "221人", 2, 2, None],
        [None, None, None, "指标8:适龄儿童疫苗接种率", "100.00%", "97.30%", 2, 1.9, None],
        [None, None, None, "指标9:0-6岁儿童健康管理数", "2089人", "2089人", 2, 2, None],
        [None, None, None, "指标10:0-6岁儿童眼保健操覆盖数", "2089人", "2089人", 2, 2, None],
        [None, None, None, "指标11:新生入访视数", "214人", "214人", 2, 2, None],
        [None, None, None, "指标12:孕产妇7天访视数", "214人", "203人", 2, 1.8, None],
        [None, None, None, "指标13:孕产妇42天访视数", "214人", "203人", 2, 1.8, None],
        [None, None, None, "指标14:早孕建册数", "120人", "69人", 2, 1, None],
        [None, None, None, "指标15:老年人体检数", "5662人", "4044人", 2, 1.4, None],
        [None, None, None, "指标16:高血压规范管理数", "3807人", "3224人", 2, 1.9, None],
        [None, None, None, "指标17:高血压随访控制数", "3807人", "3220人", 2, 1.8, None],
        [None, None, None, "指标18:糖尿病规范管理数", "863人", "695人", 2, 1.8, None],
        [None, None, None, "指标19:糖尿病随访控制数", "863人", "683人", 2, 1.7, None],
        [None, None, None, "指标20:严重精神障碍患者管理数", "212人", "209人", 2, 1.8, None],
        [None, None, None, "指标21:肺结核健康规范管理数", "8例", "8例", 2, 2, None],
        [None, None, None, "指标22:老年人中医药规范管理数", "5662人", "4044人", 2, 1.4, None],
        [None, None, None, "指标23:0-36月龄中医药规范管理数", "1228人", "770人", 2, 1.8, None],
        [None, None, None, "指标24:传染病及突发公共卫生事件报告数", "14例", "14例", 2, 2, None],
        [None, None, None, "指标25:家庭医生签约率", "24694人", "22584人", 2, 1.7, None],
    ], ["A1:I1", "A2:I2", "A3:B3", "C3:I3", "A4:B4", "C4:E4", "G4:I4", "A5:B9", "A10:B11",
        "C10:E10", "F10:I10", "C11:E11", "F11:I11", "A12:A31"]),
    # 安徽省池州市贵池区棠溪镇人民政府，2022 年度，村级补助及运转经费（SOURCES.md 9）: the same
    # layout as form 1; the excerpt ends inside the 可持续影响指标 row, so it stops before that row
    "anhui_chizhou_2022_cunji": ([
        ["附件：", None, None, None, None, None, None, None, None],
        ["项目支出绩效自评表", None, None, None, None, None, None, None, None],
        ["（2022年度）", None, None, None, None, None, None, None, None],
        ["项目名称", None, "村级补助及运转经费", None, None, None, None, None, None],
        ["主管部门", None, "219-池州市贵池区棠溪镇人民政府", None, None, "实施单位",
         "219001-池州市贵池区棠溪镇人民政府", None, None],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, None, "年度资金总额：", 0, 0, 0, 10, 0, 0],
        [None, None, "其中：本年财政拨款", 202.64, 132.912, 132.912, None, None, None],
        [None, None, "上年结转资金", None, None, None, None, None, None],
        [None, None, "其他资金", None, None, None, None, None, None],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况", None, None, None],
        [None, None, "本项目共申请预算资金2026400元，其中村级组织运转400000元，村民组长，党小组长基本报酬252000元，"
         "村民监督委员会 工资28000元，村级事务补助960000元，村级工作目标奖励100000元。 .. ..............................................................................................................................", None, None,
         "本项目共完成预算资金1329120.67元，其中村级组织运转439120.67元，村民组长，党小组长基本报酬152000元，"
         "村民监督委员会 工资28000元，村级事务补助660000元，村级工作目标奖励50000元。", None, None, None],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        [None, "产出指标(50分)", "数量指标", "补助村(社区)数量", "=8个", "8", 8, 8, None],
        [None, None, None, "保障村干部人数", "=42个", "42", 8, 8, None],
        [None, None, "质量指标", "补助资格合规性", "合规", "达成预期指标", 8, 8, None],
        [None, None, None, "经费审批流程规范性", "严格执行相关制度规定", "达成预期指标", 8, 8, None],
        [None, None, "时效指标", "补助经费到位及时性", "及时", "达成预期指标", 8, 8, None],
        [None, None, "成本指标", "项目总成本", "≤202.6万元", "132.9", 10, 10, None],
        [None, "效益指标(30分)", "经济效益指标", "对保障村(社区)两委机构正常运行的影响程度", "效果明显", "达成预期指标",
         10, 10, None],
        [None, None, "社会效益指标", "提高村(社区)干部工作积极性的影响程度", "效果明显", "达成预期指标", 10, 10, None],
    ], ["A2:I2", "A3:I3", "A4:B4", "C4:I4", "A5:B5", "C5:E5", "G5:I5", "A6:B10", "A11:B12",
        "C11:E11", "F11:I11", "C12:E12", "F12:I12", "A13:A21", "B14:B19", "B20:B21", "C14:C15",
        "C16:C17"]),
    # 山西省稷山县医疗保障局（实施单位 稷山县医疗保险服务中心），2020 年度，建档立卡个人缴费县级配套资金
    # （SOURCES.md 10）: a flattened text copy; the funds row's two amounts typed as 全年预算数 and
    # 全年执行数 (年初预算数 blank), the only reading its 执行率 99 % allows, as form 7
    "shanxi_jishan_2020_jiandang": ([
        ["稷山县项目支出绩效自评表", None, None, None, None, None, None, None, None],
        ["（2020年度）", None, None, None, None, None, None, None, None],
        ["项目名称", None, "建档立卡个人缴费县级配套资金", None, None, None, None, None, None],
        ["主管部门", None, "稷山县医疗保障局", None, None, "实施单位", "稷山县医疗保险服务中心", None, None],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, None, "年度资金总额", None, 65.66, 65.07, 10, "99%", 9],
        [None, None, "其中：当年财政拨款", None, 65.66, 65.07, "—", "99%", "—"],
        [None, None, "上年结转资金", None, None, None, "—", None, "—"],
        [None, None, "其他资金", None, None, None, "—", None, "—"],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况", None, None, None],
        [None, None, "提高医疗保障水平，推进因病致贫问题的根本性解决", None, None,
         "提高医疗保障水平，推进了因病致贫问题的基本性解决", None, None, None],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        [None, "产出指标（50分）", "数量指标", "指标1：全县参合人数", 8755, 8676, 15, 13,
         "建档立卡中有新增死亡人员，导致有偏差"],
        [None, None, "质量指标", "指标1：资金是否全部纳入医保统筹", "100%", "100%", 15, 15, None],
        [None, None, "时效指标", "指标1：资金是否全部及时纳入", "100%", "100%", 10, 10, None],
        [None, None, "成本指标", "指标1：配套资金每人每年", "75元", "75元", 10, 10, None],
        [None, "效益指标（30分）", "社会效益", "指标1：是否解决建档立卡人员看病难贵问题", "95%", "95%", 30, 27, None],
        [None, "满意度指标（10分）", "服务对象满意度指标", "指标1：是否满意", "95%", "95%", 10, 9, None],
        ["总分", None, None, None, None, None, 100, 94, None],
    ], ["A1:I1", "A2:I2", "A3:B3", "C3:I3", "A4:B4", "C4:E4", "G4:I4", "A5:B9", "A10:B11",
        "C10:E10", "F10:I10", "C11:E11", "F11:I11", "A12:A18", "B13:B16", "A19:F19"]),
}


def write(name: str, folder: Path) -> Path:
    """Write one transcribed form as ``folder/<name>.xlsx``; text starting with ``=`` stays text."""
    from openpyxl import Workbook

    rows, merges = FORMS[name]
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(r, c, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
    for rng in merges:
        ws.merge_cells(rng)
    path = folder / f"{name}.xlsx"
    wb.save(path)
    return path


if __name__ == "__main__":
    for form in FORMS:
        print(write(form, HERE))
