"""Regions of China's register: GB/T 2260 administrative division codes and names.

Only the divisions the portal has met so far (all 31 provincial-level regions, their
larger cities and some districts); an unknown code is shown as the code itself, with
its province when the first two digits name one.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import get_language

# Provincial-level regions (GB/T 2260): code, name, abbreviation used in penalty
# references, English, weight (thousands of registered organizations, rounded) and a
# few prefecture-level cities, the capital first. Each city lists some of its real
# county-level divisions. Municipalities list their districts under themselves.
PROVINCES = (
    ("110000", "北京市", "京", "Beijing", 13, (
        ("110000", "北京市", "Beijing", "110101 东城区 110102 西城区 110105 朝阳区 110106 丰台区 110108 海淀区 110114 昌平区"),
    )),
    ("120000", "天津市", "津", "Tianjin", 6, (
        ("120000", "天津市", "Tianjin", "120101 和平区 120103 河西区 120104 南开区 120116 滨海新区"),
    )),
    ("130000", "河北省", "冀", "Hebei", 30, (
        ("130100", "石家庄市", "Shijiazhuang", "130102 长安区 130104 桥西区"),
        ("130200", "唐山市", "Tangshan", "130202 路南区 130203 路北区"),
        ("130400", "邯郸市", "Handan", "130402 邯山区 130403 丛台区"),
        ("130600", "保定市", "Baoding", "130602 竞秀区 130606 莲池区"),
    )),
    ("140000", "山西省", "晋", "Shanxi", 15, (
        ("140100", "太原市", "Taiyuan", "140105 小店区 140106 迎泽区"),
        ("140200", "大同市", "Datong", "140213 平城区 140214 云冈区"),
        ("140400", "长治市", "Changzhi", "140403 潞州区 140404 上党区"),
    )),
    ("150000", "内蒙古自治区", "蒙", "Inner Mongolia", 17, (
        ("150100", "呼和浩特市", "Hohhot", "150102 新城区 150105 赛罕区"),
        ("150200", "包头市", "Baotou", "150203 昆都仑区 150204 青山区"),
        ("150600", "鄂尔多斯市", "Ordos", "150602 东胜区 150603 康巴什区"),
    )),
    ("210000", "辽宁省", "辽", "Liaoning", 28, (
        ("210100", "沈阳市", "Shenyang", "210102 和平区 210103 沈河区"),
        ("210200", "大连市", "Dalian", "210202 中山区 210203 西岗区"),
        ("210300", "鞍山市", "Anshan", "210302 铁东区 210303 铁西区"),
    )),
    ("220000", "吉林省", "吉", "Jilin", 13, (
        ("220100", "长春市", "Changchun", "220102 南关区 220104 朝阳区"),
        ("220200", "吉林市", "Jilin", "220202 昌邑区 220203 龙潭区"),
        ("222400", "延边朝鲜族自治州", "Yanbian", "222401 延吉市 222405 龙井市"),
    )),
    ("230000", "黑龙江省", "黑", "Heilongjiang", 15, (
        ("230100", "哈尔滨市", "Harbin", "230102 道里区 230103 南岗区"),
        ("230200", "齐齐哈尔市", "Qiqihar", "230202 龙沙区 230203 建华区"),
        ("230600", "大庆市", "Daqing", "230602 萨尔图区 230603 龙凤区"),
    )),
    ("310000", "上海市", "沪", "Shanghai", 17, (
        ("310000", "上海市", "Shanghai", "310101 黄浦区 310104 徐汇区 310105 长宁区 310110 杨浦区 310112 闵行区 310115 浦东新区"),
    )),
    ("320000", "江苏省", "苏", "Jiangsu", 88, (
        ("320100", "南京市", "Nanjing", "320102 玄武区 320104 秦淮区 320106 鼓楼区"),
        ("320200", "无锡市", "Wuxi", "320213 梁溪区 320214 新吴区"),
        ("320300", "徐州市", "Xuzhou", "320302 鼓楼区 320303 云龙区"),
        ("320400", "常州市", "Changzhou", "320402 天宁区 320404 钟楼区"),
        ("320500", "苏州市", "Suzhou", "320505 虎丘区 320506 吴中区 320508 姑苏区"),
    )),
    ("330000", "浙江省", "浙", "Zhejiang", 70, (
        ("330100", "杭州市", "Hangzhou", "330102 上城区 330105 拱墅区 330106 西湖区"),
        ("330200", "宁波市", "Ningbo", "330203 海曙区 330212 鄞州区"),
        ("330300", "温州市", "Wenzhou", "330302 鹿城区 330303 龙湾区"),
        ("330700", "金华市", "Jinhua", "330702 婺城区 330782 义乌市"),
    )),
    ("340000", "安徽省", "皖", "Anhui", 33, (
        ("340100", "合肥市", "Hefei", "340102 瑶海区 340104 蜀山区"),
        ("340200", "芜湖市", "Wuhu", "340202 镜湖区 340207 鸠江区"),
        ("340300", "蚌埠市", "Bengbu", "340302 龙子湖区 340303 蚌山区"),
    )),
    ("350000", "福建省", "闽", "Fujian", 33, (
        ("350100", "福州市", "Fuzhou", "350102 鼓楼区 350103 台江区"),
        ("350200", "厦门市", "Xiamen", "350203 思明区 350206 湖里区"),
        ("350500", "泉州市", "Quanzhou", "350502 鲤城区 350503 丰泽区"),
    )),
    ("360000", "江西省", "赣", "Jiangxi", 23, (
        ("360100", "南昌市", "Nanchang", "360102 东湖区 360103 西湖区"),
        ("360400", "九江市", "Jiujiang", "360402 濂溪区 360403 浔阳区"),
        ("360700", "赣州市", "Ganzhou", "360702 章贡区 360703 南康区"),
    )),
    ("370000", "山东省", "鲁", "Shandong", 60, (
        ("370100", "济南市", "Jinan", "370102 历下区 370103 市中区"),
        ("370200", "青岛市", "Qingdao", "370202 市南区 370203 市北区"),
        ("370600", "烟台市", "Yantai", "370602 芝罘区 370613 莱山区"),
        ("370700", "潍坊市", "Weifang", "370702 潍城区 370705 奎文区"),
    )),
    ("410000", "河南省", "豫", "Henan", 50, (
        ("410100", "郑州市", "Zhengzhou", "410102 中原区 410105 金水区"),
        ("410300", "洛阳市", "Luoyang", "410302 老城区 410305 涧西区"),
        ("410700", "新乡市", "Xinxiang", "410702 红旗区 410703 卫滨区"),
    )),
    ("420000", "湖北省", "鄂", "Hubei", 32, (
        ("420100", "武汉市", "Wuhan", "420102 江岸区 420106 武昌区 420111 洪山区"),
        ("420500", "宜昌市", "Yichang", "420502 西陵区 420503 伍家岗区"),
        ("420600", "襄阳市", "Xiangyang", "420602 襄城区 420606 樊城区"),
    )),
    ("430000", "湖南省", "湘", "Hunan", 38, (
        ("430100", "长沙市", "Changsha", "430102 芙蓉区 430104 岳麓区 430121 长沙县"),
        ("430200", "株洲市", "Zhuzhou", "430202 荷塘区 430211 天元区"),
        ("430600", "岳阳市", "Yueyang", "430602 岳阳楼区 430603 云溪区"),
    )),
    ("440000", "广东省", "粤", "Guangdong", 75, (
        ("440100", "广州市", "Guangzhou", "440103 荔湾区 440104 越秀区 440106 天河区 440111 白云区"),
        ("440300", "深圳市", "Shenzhen", "440303 罗湖区 440304 福田区 440305 南山区 440306 宝安区 440307 龙岗区"),
        ("440400", "珠海市", "Zhuhai", "440402 香洲区 440403 斗门区"),
        ("440500", "汕头市", "Shantou", "440507 龙湖区 440511 金平区"),
        ("440600", "佛山市", "Foshan", "440604 禅城区 440606 顺德区"),
    )),
    ("450000", "广西壮族自治区", "桂", "Guangxi", 30, (
        ("450100", "南宁市", "Nanning", "450102 兴宁区 450103 青秀区"),
        ("450200", "柳州市", "Liuzhou", "450202 城中区 450203 鱼峰区"),
        ("450300", "桂林市", "Guilin", "450302 秀峰区 450305 七星区"),
    )),
    ("460000", "海南省", "琼", "Hainan", 8, (
        ("460100", "海口市", "Haikou", "460105 秀英区 460106 龙华区"),
        ("460200", "三亚市", "Sanya", "460202 海棠区 460203 吉阳区"),
    )),
    ("500000", "重庆市", "渝", "Chongqing", 18, (
        ("500000", "重庆市", "Chongqing", "500101 万州区 500103 渝中区 500105 江北区 500106 沙坪坝区 500108 南岸区 500112 渝北区"),
    )),
    ("510000", "四川省", "川", "Sichuan", 45, (
        ("510100", "成都市", "Chengdu", "510104 锦江区 510105 青羊区 510107 武侯区"),
        ("510700", "绵阳市", "Mianyang", "510703 涪城区 510704 游仙区"),
        ("511300", "南充市", "Nanchong", "511302 顺庆区 511303 高坪区"),
    )),
    ("520000", "贵州省", "黔", "Guizhou", 15, (
        ("520100", "贵阳市", "Guiyang", "520102 南明区 520103 云岩区"),
        ("520300", "遵义市", "Zunyi", "520302 红花岗区 520303 汇川区"),
        ("520400", "安顺市", "Anshun", "520402 西秀区 520403 平坝区"),
    )),
    ("530000", "云南省", "滇", "Yunnan", 25, (
        ("530100", "昆明市", "Kunming", "530102 五华区 530103 盘龙区"),
        ("530300", "曲靖市", "Qujing", "530302 麒麟区 530303 沾益区"),
        ("532900", "大理白族自治州", "Dali", "532901 大理市 532923 祥云县"),
    )),
    ("540000", "西藏自治区", "藏", "Tibet", 1, (
        ("540100", "拉萨市", "Lhasa", "540102 城关区 540103 堆龙德庆区"),
        ("540200", "日喀则市", "Shigatse", "540202 桑珠孜区"),
    )),
    ("610000", "陕西省", "陕", "Shaanxi", 30, (
        ("610100", "西安市", "Xi'an", "610102 新城区 610103 碑林区 610113 雁塔区"),
        ("610300", "宝鸡市", "Baoji", "610302 渭滨区 610303 金台区"),
        ("610400", "咸阳市", "Xianyang", "610402 秦都区 610404 渭城区"),
    )),
    ("620000", "甘肃省", "甘", "Gansu", 18, (
        ("620100", "兰州市", "Lanzhou", "620102 城关区 620103 七里河区"),
        ("620500", "天水市", "Tianshui", "620502 秦州区 620503 麦积区"),
    )),
    ("630000", "青海省", "青", "Qinghai", 5, (
        ("630100", "西宁市", "Xining", "630102 城东区 630103 城中区"),
        ("630200", "海东市", "Haidong", "630202 乐都区 630203 平安区"),
    )),
    ("640000", "宁夏回族自治区", "宁", "Ningxia", 7, (
        ("640100", "银川市", "Yinchuan", "640104 兴庆区 640105 西夏区"),
        ("640200", "石嘴山市", "Shizuishan", "640202 大武口区 640205 惠农区"),
    )),
    ("650000", "新疆维吾尔自治区", "新", "Xinjiang", 12, (
        ("650100", "乌鲁木齐市", "Urumqi", "650102 天山区 650103 沙依巴克区"),
        ("650200", "克拉玛依市", "Karamay", "650202 独山子区 650203 克拉玛依区"),
    )),
)  # fmt: skip

# The registering authority of national organizations and its code in the USCC.
NATIONAL = ("100000", "民政部", "中国", "China")


@cache
def _names() -> dict[str, tuple[str, str]]:
    """code -> (Chinese name, English name), for every division in the table."""
    names = {NATIONAL[0]: ("全国", "National")}
    for code, name, _abbr, english, _weight, cities in PROVINCES:
        names[code] = (name, english)
        for city_code, city, city_en, county_text in cities:
            names.setdefault(city_code, (city, city_en))
            parts = county_text.split()
            for county_code, county in zip(parts[::2], parts[1::2], strict=True):
                names[county_code] = (county, county)
    return names


def province_code(code: str) -> str:
    """The provincial-level region a GB/T 2260 code lies in (``440305`` -> ``440000``)."""
    return code[:2] + "0000" if len(code) == 6 and code.isdigit() else code


def region_label(code: str, language: str | None = None) -> str:
    """``广东省 深圳市 南山区`` for ``440305``; the code itself when it is unknown."""
    names = _names()
    english = (language or get_language() or "").startswith("en")
    parts = []
    for prefix in (province_code(code), code[:4] + "00", code):
        if prefix in names and (not parts or prefix != parts[-1][0]):
            parts.append((prefix, names[prefix][1 if english else 0]))
    if not parts or parts[-1][0] != code:
        parts.append((code, code))
    separator = ", " if english else " "
    labels = [label for _, label in parts]
    return separator.join(reversed(labels) if english else labels)
