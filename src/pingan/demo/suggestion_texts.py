"""The words of the demo's two sessions: the items brought to 市八届人大一次会议 and 市政协八届一次
会议 by the district's deputies and members, the units they went to, and what the handlers
wrote. The first eight are the source document's own (its last article: 马凌's five, 何润云's,
徐丽英's and 蒋薇's, in their words); the rest, and every other name, are invented. Kept apart
from ``suggestions.py`` so that the logic there reads on its own.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from pingan.suggestions.models import Category, Channel, ContactWay


class Fate(StrEnum):
    """How an item's handling went: each is played by ``suggestions._play``."""

    ON_TIME = "on_time"  # replied by the reply's due date, rated and closed
    LATE = "late"  # replied after it
    RETURNED = "returned"  # returned by the first lead within the window, re-assigned, replied on time
    EXTENDED = "extended"  # the office approved the extension; replied within the six months
    REHANDLED = "rehandled"  # 不满意 after the first reply, handled again, then 基本满意
    PROMISE_KEPT = "promise_kept"  # a class B or C reply whose promise was kept
    PROMISE_SOON = "promise_soon"  # a promise still open, due within a month of the demo's today
    PROMISE_LATER = "promise_later"  # a promise still open, due in about half a year


class Item(NamedTuple):
    channel: str
    title: str
    category: str
    lead: str  # the unit that leads it, by name
    ask: str  # what the proposers ask for: the body of the text
    proposers: str = ""  # "": an invented deputy or member of the delegation
    co: tuple[str, ...] = ()  # co-handling units
    leader: str = ""  # a key suggestion's supervising leader, by login
    fate: Fate = Fate.ON_TIME
    wrong_lead: str = ""  # RETURNED: the unit first assigned, which sends it back
    return_reason: str = ""


CONGRESS, CONFERENCE = Channel.CONGRESS, Channel.CONFERENCE
DELEGATIONS = {CONGRESS: "柯城代表团", CONFERENCE: "市政协柯城委员小组"}
SIGNERS = {CONGRESS: "代表", CONFERENCE: "委员"}

# The deputy district heads who supervise the key suggestions: (login, name, title).
ECONOMY_LEADER = ("changwu", "常务副区长 叶建平", "常务副区长（建议提案领衔督办）")
LEADER_TITLE = "副区长（建议提案领衔督办）"  # the deputy head of the supervision demo (``fuquzhang``)
MA_LING = "马凌（浙江衢州东方集团股份有限公司总经理）"

ITEMS: tuple[Item, ...] = (
    # The source's own.
    Item(CONGRESS, "关于加快衢州市深度融入长三角一体化发展国家战略的建议", Category.ECONOMY, "发展和改革局",
         "衢州应紧紧抓住长三角一体化发展、共同富裕示范区建设的机遇风口，加快融合发展的步伐：主动对接沪杭产业转移，"
         "共建产业合作园区，推动公共服务共建共享。",
         proposers=MA_LING, co=("商务局", "经济和信息化局"), leader="changwu", fate=Fate.PROMISE_KEPT),
    Item(CONGRESS, "关于一二三产业深度融合高质量打造共同富裕示范区的建议", Category.AGRICULTURE, "农业农村局",
         "以农业为基础、加工为纽带、文旅为延伸，培育一批农旅融合示范村，延长产业链、提升价值链，带动农民增收。",
         proposers=MA_LING, co=("文化和广电旅游体育局",), fate=Fate.RETURNED, wrong_lead="发展和改革局",
         return_reason="该建议主要涉及农业产业化和农旅融合，职能在农业农村部门，建议改由农业农村局主办。"),
    Item(CONGRESS, "关于推动衢州特色餐饮高质量大发展的建议", Category.ECONOMY, "商务局",
         "挖掘衢州菜文化内涵，打造特色餐饮街区和品牌名店，开展厨师技能培训，以美食带动消费和旅游。",
         proposers=MA_LING, co=("文化和广电旅游体育局",)),
    Item(CONGRESS, "关于加快建设四省边际职业“桥头堡”的建议", Category.EDUCATION_CULTURE, "教育局",
         "整合职业教育资源，建设产教融合实训基地，对接四省边际企业用工需求，打造区域职业技能人才高地。",
         proposers=MA_LING, co=("人力资源和社会保障局",), fate=Fate.PROMISE_SOON),
    Item(CONGRESS, "关于推动城市商业综合体提档升级激发消费活力的建议", Category.ECONOMY, "商务局",
         "推动老旧商业综合体改造升级，发展夜间经济和首店经济，完善停车等配套，激发城市消费活力。",
         proposers=MA_LING, fate=Fate.LATE),
    Item(CONGRESS, "关于加快推进农业产业化加速城乡融合促进共同富裕的建议", Category.AGRICULTURE, "农业农村局",
         "政府要高度重视农业产业化发展，统筹推进美丽田园与美丽乡村建设，因地制宜落实“一村一策一产业”，"
         "真正通过提升农业产业化水平带动农民增收致富，加快推进城乡共同富裕。",
         proposers="何润云（区农业技术推广中心主任）", co=("自然资源和规划局", "发展和改革局"),
         leader="changwu", fate=Fate.PROMISE_KEPT),
    Item(CONFERENCE, "关于依托围棋文化和水资源优势推动石室乡共同富裕的提案", Category.EDUCATION_CULTURE,
         "石室乡",
         "石室乡牢牢抓住围棋文化特色和水资源优势，继承发扬围棋文化，大力做好产业文章，带领当地百姓迈向共同富裕之路。",
         proposers="徐丽英（衢州龙鑫建材有限公司财务主管、工会主席）",
         co=("文化和广电旅游体育局", "农业农村局"), fate=Fate.PROMISE_LATER),
    Item(CONFERENCE, "关于解决双岭南路早晚高峰拥堵问题的提案", Category.TRANSPORT, "交通运输局",
         "通过拓宽路面、适当分流小区车辆，加强周边住户的交通出行宣教等措施，解决双岭南路早晚高峰拥堵问题。",
         proposers="蒋薇（白云街道白云社区书记、主任）", co=("交警大队", "白云街道"), leader="fuquzhang",
         fate=Fate.RETURNED, wrong_lead="交警大队",
         return_reason="该提案的核心诉求是拓宽路面、优化路网，属道路建设养护职责，建议改由交通运输局主办，我队协办。"),
    # The district's other deputies.
    Item(CONGRESS, "关于加快推进城区积水点改造的建议", Category.URBAN, "住建局",
         "对城区易涝积水点逐一建档，分批实施排水管网改造，汛前完成清淤，并设置积水警示标识。",
         co=("应急管理局", "综合行政执法局"), leader="fuquzhang"),
    Item(CONGRESS, "关于加强电动自行车集中充电设施建设的建议", Category.PUBLIC_SAFETY, "住建局",
         "在老旧小区和城中村集中建设电动自行车充电棚，杜绝“飞线充电”和楼道停放，消除火灾隐患。",
         co=("消防救援大队",), leader="fuquzhang"),
    Item(CONGRESS, "关于老旧小区加装电梯的建议", Category.URBAN, "住建局",
         "简化老旧小区加装电梯审批流程，提高财政补助标准，建立低楼层住户利益平衡机制。",
         fate=Fate.REHANDLED),
    Item(CONGRESS, "关于实施农村公路提档升级的建议", Category.TRANSPORT, "交通运输局",
         "对窄路基、路面破损的通村公路实施拓宽改造，增设错车道和安全防护设施，完善养护机制。",
         co=("自然资源和规划局",), fate=Fate.PROMISE_KEPT),
    Item(CONGRESS, "关于优化城区公交线路和站点设置的建议", Category.TRANSPORT, "交通运输局",
         "根据新建小区和学校分布调整公交线路，加密高峰班次，增设港湾式站台和候车亭。"),
    Item(CONGRESS, "关于增设城区公共停车泊位的建议", Category.URBAN, "综合行政执法局",
         "利用边角地和闲置地块建设公共停车场，推动机关单位停车场错时开放，缓解老城区停车难。",
         fate=Fate.LATE),
    Item(CONGRESS, "关于加强城区流浪犬只管理的建议", Category.URBAN, "综合行政执法局",
         "建立流浪犬只收容点，规范养犬登记和文明养犬宣传，减少犬只伤人事件。",
         fate=Fate.RETURNED, wrong_lead="公安分局",
         return_reason="流浪犬只收容和养犬管理已划转综合行政执法部门，建议改由综合行政执法局主办。"),
    Item(CONGRESS, "关于推进衢江柯城段滨水绿道贯通的建议", Category.ENVIRONMENT, "自然资源和规划局",
         "统筹规划衢江柯城段沿岸空间，打通断点，建设连续的滨水绿道和休闲节点。",
         co=("住建局",), fate=Fate.EXTENDED),
    Item(CONGRESS, "关于在府山街道增设社区嵌入式养老服务中心的建议", Category.HEALTH, "民政局",
         "利用社区闲置用房建设嵌入式养老服务中心，提供日间照料、助餐和康复服务。",
         co=("府山街道",), fate=Fate.PROMISE_KEPT),
    Item(CONGRESS, "关于加快乡镇卫生院医护人员招聘的建议", Category.HEALTH, "卫生健康局",
         "放宽乡镇卫生院招聘条件，实行“县聘乡用”，提高基层医护人员待遇，稳定基层医疗队伍。",
         fate=Fate.LATE),
    Item(CONGRESS, "关于推进中小学食堂“明厨亮灶”全覆盖的建议", Category.EDUCATION_CULTURE, "教育局",
         "在全区中小学食堂推广“明厨亮灶”，接入监管平台，实行家长陪餐制度。", fate=Fate.PROMISE_KEPT),
    Item(CONGRESS, "关于规范校外培训机构管理的建议", Category.EDUCATION_CULTURE, "教育局",
         "开展校外培训机构排查，规范收费和预收费监管，严查无证办学。", fate=Fate.LATE),
    Item(CONGRESS, "关于加强校园周边交通安全管理的建议", Category.PUBLIC_SAFETY, "交警大队",
         "在学校周边设置限速和护学岗，上下学高峰增派警力，规划接送车辆临时停靠区。", co=("教育局",)),
    Item(CONGRESS, "关于支持柑橘产业转型升级的建议", Category.AGRICULTURE, "农业农村局",
         "推广柑橘良种和设施栽培，扶持精深加工企业，打响“衢州椪柑”区域公用品牌。"),
    Item(CONGRESS, "关于加强农村饮用水安全保障的建议", Category.AGRICULTURE, "农业农村局",
         "推进城乡供水一体化，对单村供水工程实施提标改造，定期开展水质检测。"),
    Item(CONGRESS, "关于加大高校毕业生就业创业扶持力度的建议", Category.ECONOMY, "人力资源和社会保障局",
         "落实就业见习补贴和创业担保贷款，建设青年人才驿站，吸引高校毕业生来柯就业创业。"),
    Item(CONGRESS, "关于加强企业用工保障的建议", Category.ECONOMY, "人力资源和社会保障局",
         "建立重点企业用工服务专员制度，组织校企对接和跨区域劳务协作，缓解企业招工难。",
         co=("经济和信息化局",)),
    Item(CONGRESS, "关于推动传统制造业数字化改造的建议", Category.ECONOMY, "经济和信息化局",
         "设立数字化改造专项资金，培育工业互联网服务商，推动规上企业“上云用数赋智”。"),
    Item(CONGRESS, "关于加快航埠镇工业功能区基础设施建设的建议", Category.ECONOMY, "航埠镇",
         "完善航埠工业功能区道路、污水管网和标准厂房等配套，提升招商承载能力。", co=("经济和信息化局",)),
    Item(CONGRESS, "关于深化“一件事”集成改革优化营商环境的建议", Category.GOVERNANCE, "发展和改革局",
         "扩大“一件事”集成办理范围，推行涉企事项“一次不用跑”，建立企业诉求闭环处理机制。"),
    Item(CONGRESS, "关于加强燃气安全隐患排查整治的建议", Category.PUBLIC_SAFETY, "住建局",
         "对餐饮场所和老旧小区燃气管道开展全面排查，推广安装燃气泄漏报警装置。"),
    Item(CONGRESS, "关于强化防汛防台应急物资储备的建议", Category.PUBLIC_SAFETY, "应急管理局",
         "按乡镇（街道）建立防汛物资储备点，定期轮换补充，完善物资调运机制。"),
    Item(CONGRESS, "关于加强农村留守儿童关爱保护的建议", Category.HEALTH, "民政局",
         "建立留守儿童动态台账，发挥儿童之家作用，落实“一对一”结对关爱。"),
    Item(CONGRESS, "关于加大电信网络诈骗宣传防范力度的建议", Category.PUBLIC_SAFETY, "公安分局",
         "针对老年人和学生等重点人群开展精准宣传，推广国家反诈中心APP，加强预警劝阻。"),
    Item(CONGRESS, "关于推进全民健身场地设施建设的建议", Category.EDUCATION_CULTURE, "文化和广电旅游体育局",
         "利用公园绿地和城市边角地建设百姓健身房、笼式球场，推动学校体育场地向社会开放。"),
    Item(CONGRESS, "关于加强历史文化街区保护利用的建议", Category.EDUCATION_CULTURE, "文化和广电旅游体育局",
         "编制水亭门等历史文化街区保护利用规划，修缮历史建筑，引入文创业态。"),
    Item(CONGRESS, "关于提升基层医疗卫生服务能力的建议", Category.HEALTH, "卫生健康局",
         "推动优质医疗资源下沉，加强社区卫生服务中心标准化建设，推广家庭医生签约服务。"),
    Item(CONGRESS, "关于推进生活垃圾分类提质扩面的建议", Category.ENVIRONMENT, "综合行政执法局",
         "完善分类投放设施，推行定时定点投放和积分激励，补齐农村垃圾分类短板。"),
    # The district's other members.
    Item(CONFERENCE, "关于加强乡村医生队伍建设的提案", Category.HEALTH, "卫生健康局",
         "实施乡村医生定向培养，提高乡村医生补助和养老保障，解决村卫生室后继乏人问题。",
         co=("人力资源和社会保障局",), fate=Fate.PROMISE_KEPT),
    Item(CONFERENCE, "关于推进县域医共体建设的提案", Category.HEALTH, "卫生健康局",
         "深化县域医共体改革，统一管理分院人员和药品目录，推进检查检验结果互认。"),
    Item(CONFERENCE, "关于发展乡村民宿经济的提案", Category.AGRICULTURE, "文化和广电旅游体育局",
         "制定民宿发展规划，规范审批和消防安全标准，培育精品民宿集聚区。"),
    Item(CONFERENCE, "关于加强烂柯山景区交通配套的提案", Category.TRANSPORT, "交通运输局",
         "开通景区旅游专线，扩建停车场，完善沿线旅游交通标识。", co=("石室乡",)),
    Item(CONFERENCE, "关于完善城区慢行系统的提案", Category.TRANSPORT, "交通运输局",
         "完善非机动车道和人行道，打通断头路，建设连续安全的城区慢行网络。", fate=Fate.LATE),
    Item(CONFERENCE, "关于推进农村集体经济“消薄”增收的提案", Category.AGRICULTURE, "农业农村局",
         "盘活村集体闲置资产，发展物业经济和飞地抱团项目，壮大村级集体经济。"),
    Item(CONFERENCE, "关于加强中小学生心理健康教育的提案", Category.EDUCATION_CULTURE, "教育局",
         "配齐专职心理健康教师，建立学生心理健康档案和危机干预机制，加强家校协同。"),
    Item(CONFERENCE, "关于扩大普惠性学前教育资源的提案", Category.EDUCATION_CULTURE, "教育局",
         "新建和改扩建一批公办幼儿园，扶持普惠性民办幼儿园，缓解新城区入园难。"),
    Item(CONFERENCE, "关于推动非遗传承与文旅融合发展的提案", Category.EDUCATION_CULTURE,
         "文化和广电旅游体育局",
         "建设非遗展示馆和传承基地，开发非遗文创产品，将非遗体验融入旅游线路。"),
    Item(CONFERENCE, "关于加强耕地保护和永久基本农田建设的提案", Category.AGRICULTURE, "自然资源和规划局",
         "落实田长制，开展耕地“非农化”“非粮化”整治，推进高标准农田建设。"),
    Item(CONFERENCE, "关于加快城中村改造的提案", Category.URBAN, "住建局",
         "分片推进城中村改造，同步完善道路、管网和公共服务设施，妥善做好安置。"),
    Item(CONFERENCE, "关于规范电动自行车停放和充电管理的提案", Category.PUBLIC_SAFETY, "消防救援大队",
         "开展电动自行车违规停放充电专项整治，推广智能阻车系统，加强消防安全宣传。",
         co=("综合行政执法局",)),
    Item(CONFERENCE, "关于加强养老机构消防安全管理的提案", Category.PUBLIC_SAFETY, "消防救援大队",
         "对养老机构开展消防安全评估，配齐自动喷水灭火和报警设施，定期开展疏散演练。", co=("民政局",)),
    Item(CONFERENCE, "关于加强老年人防范电信诈骗宣传的提案", Category.PUBLIC_SAFETY, "公安分局",
         "依托社区老年活动中心和老年大学开展反诈宣传，发动子女做好家庭反诈提醒。"),
    Item(CONFERENCE, "关于推进智慧停车建设的提案", Category.URBAN, "综合行政执法局",
         "建设全区停车信息平台，实现泊位查询、预约和无感支付，提高泊位周转率。"),
    Item(CONFERENCE, "关于提升农产品冷链物流能力的提案", Category.ECONOMY, "商务局",
         "布局产地冷藏保鲜设施，建设区域冷链集配中心，降低生鲜农产品损耗。"),
    Item(CONFERENCE, "关于支持小微企业纾困发展的提案", Category.ECONOMY, "经济和信息化局",
         "落实减税降费和房租减免政策，设立应急转贷资金，帮助小微企业渡过难关。"),
    Item(CONFERENCE, "关于加强新就业形态劳动者权益保障的提案", Category.ECONOMY, "人力资源和社会保障局",
         "推动平台企业为外卖骑手等新就业形态劳动者参加职业伤害保障，建设户外劳动者驿站。"),
    Item(CONFERENCE, "关于优化社区居家养老服务的提案", Category.HEALTH, "民政局",
         "推广家庭养老床位和助餐配送服务，培育专业化居家养老服务组织。"),
    Item(CONFERENCE, "关于加强矛盾纠纷多元化解的提案", Category.GOVERNANCE, "信访局",
         "完善人民调解、行政调解和司法调解衔接机制，推动矛盾纠纷在基层化解。"),
    Item(CONFERENCE, "关于推进平安乡村建设的提案", Category.PUBLIC_SAFETY, "公安分局",
         "推广乡村视频监控全覆盖和群防群治队伍建设，深化“一村一辅警”。"),
    Item(CONFERENCE, "关于加强山塘水库安全管理的提案", Category.PUBLIC_SAFETY, "应急管理局",
         "落实山塘水库安全责任人，实施病险山塘除险加固，汛期加强巡查值守。", co=("农业农村局",)),
    Item(CONFERENCE, "关于推进九华乡未来乡村建设的提案", Category.AGRICULTURE, "九华乡",
         "依托妙源村等村落的文创和生态资源，建设未来乡村示范带，发展乡村文旅。", co=("农业农村局",)),
    Item(CONFERENCE, "关于加强城区夜间照明设施建设的提案", Category.URBAN, "综合行政执法局",
         "排查城区背街小巷照明盲区，增设和更换节能路灯，建立路灯故障快速维修机制。"),
)

CONTACT_NOTES = {
    ContactWay.VISIT: "上门走访{proposers}，面对面通报办理思路和进展，听取意见建议。",
    ContactWay.PHONE: "电话联系{proposers}，沟通办理方案，对方表示理解支持。",
    ContactWay.MEETING: "召开办理座谈会，邀请{proposers}参加，现场交流办理措施。",
}
REPLIES = {
    "A": "经研究，所提问题已基本解决：相关措施已落实到位，具体情况见答复函。",
    "B": "所提问题正在解决：已列入年度工作计划并启动实施，预计于承诺日期前完成，具体情况见答复函。",
    "C": "所提问题已列入规划逐步解决：已纳入相关专项规划，分年度推进，具体情况见答复函。",
    "D": "经认真研究，因政策和条件限制暂难实施，已向代表委员作出解释说明，建议留作参考。",
}
REHANDLED_REPLY = "重新办理：经区政府专题协调，补助政策已调整，首批试点小区已启动加装，具体情况见再次答复函。"
DISSATISFIED_NOTE = "代表对答复不满意：认为未回应审批流程简化的诉求，要求重新办理。"
RATING_NOTE = "经征询，代表委员对办理结果的评价。"
CO_OPINION = "我单位对该件办理的意见：{ask_head}。我单位将积极配合主办单位做好相关工作。"
EXTENSION_REQUEST = "该件涉及用地报批和跨部门会商，需市级部门审批，三个月内难以办结，申请延期答复。"
EXTENSION_APPROVED = "同意延期：涉及市级审批，情况属实。"
PROMISE_KEPT_NOTE = "承诺事项已按期完成，已向代表委员书面反馈。"
