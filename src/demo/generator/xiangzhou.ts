// The demo district at the size of Xiangzhou (香洲区, Zhuhai) in 2021: the streets (街道) and the
// town (镇) whose communities run micro-projects under the district, and about ten communities each.
//
// Streets: Xiangzhou's nine streets and 南屏镇. 唐家湾镇 belongs to the district on paper but is run
// by the Zhuhai High-tech Zone, and 横琴 by the Hengqin cooperation zone (from September 2021):
// neither reports its micro-projects through the district's civil-affairs bureau, so neither is here.
// The community names follow the real ones where we know them; the list is illustrative, not an
// official register (unverified). The demo's own places (拱北: 莲花, 粤海; 吉大: 海滨) keep their ids.
import { DEMO_IDS } from '../seed.js';

export interface PlaceSpec {
  id: string;
  nameZh: string;
  nameEn: string;
}

export interface StreetSpec extends PlaceSpec {
  communities: PlaceSpec[];
}

const c = (slug: string, zh: string, en: string): PlaceSpec => ({ id: `cm-${slug}`, nameZh: `${zh}社区`, nameEn: `${en} Community` });

export const XIANGZHOU_STREETS: StreetSpec[] = [
  {
    id: DEMO_IDS.streets.gongbei, nameZh: '拱北街道', nameEn: 'Gongbei Street',
    communities: [
      { id: DEMO_IDS.communities.lianhua, nameZh: '莲花社区', nameEn: 'Lianhua Community' },
      { id: DEMO_IDS.communities.yuehai, nameZh: '粤海社区', nameEn: 'Yuehai Community' },
      c('gongbei', '拱北', 'Gongbei'), c('xiawan', '夏湾', 'Xiawan'), c('maosheng', '茂盛', 'Maosheng'), c('gangchang', '港昌', 'Gangchang'),
      c('changsheng', '昌盛', 'Changsheng'), c('beiling', '北岭', 'Beiling'), c('qiaoguang', '侨光', 'Qiaoguang'), c('guihua', '桂花', 'Guihua'),
    ],
  },
  {
    id: DEMO_IDS.streets.jida, nameZh: '吉大街道', nameEn: 'Jida Street',
    communities: [
      { id: DEMO_IDS.communities.haibin, nameZh: '海滨社区', nameEn: 'Haibin Community' },
      c('jingshan', '景山', 'Jingshan'), c('jiuzhou', '九洲', 'Jiuzhou'), c('shihua', '石花', 'Shihua'), c('yuanlin', '园林', 'Yuanlin'),
      c('zhuyuan', '竹苑', 'Zhuyuan'), c('shuiwan', '水湾', 'Shuiwan'), c('haiwan', '海湾', 'Haiwan'), c('bailian', '白莲', 'Bailian'), c('jilian', '吉莲', 'Jilian'),
    ],
  },
  {
    id: 'st-qianshan', nameZh: '前山街道', nameEn: 'Qianshan Street',
    communities: [
      c('qianshan', '前山', 'Qianshan'), c('cuiwei', '翠微', 'Cuiwei'), c('fuxi', '福溪', 'Fuxi'), c('zaobei', '造贝', 'Zaobei'), c('jiechong', '界涌', 'Jiechong'),
      c('daishan', '岱山', 'Daishan'), c('lanpu', '兰埔', 'Lanpu'), c('nanxi', '南溪', 'Nanxi'), c('shanchang', '山场', 'Shanchang'), c('xiangpu', '香埔', 'Xiangpu'),
    ],
  },
  {
    id: 'st-wanzai', nameZh: '湾仔街道', nameEn: 'Wanzai Street',
    communities: [
      c('wanzai', '湾仔', 'Wanzai'), c('nanwan', '南湾', 'Nanwan'), c('yinkeng', '银坑', 'Yinkeng'), c('nanshawan', '南沙湾', 'Nanshawan'),
      c('shijiao', '石角', 'Shijiao'), c('shizimen', '十字门', 'Shizimen'), c('shaji', '沙脊', 'Shaji'), c('lianping', '连屏', 'Lianping'),
    ],
  },
  {
    id: 'st-cuixiang', nameZh: '翠香街道', nameEn: 'Cuixiang Street',
    communities: [
      c('kangning', '康宁', 'Kangning'), c('xincun', '新村', 'Xincun'), c('fenghuang', '凤凰', 'Fenghuang'), c('chaoyang', '朝阳', 'Chaoyang'),
      c('xianghua', '香华', 'Xianghua'), c('renminxi', '人民西', 'Renminxi'), c('kangle', '康乐', 'Kangle'), c('dongfeng', '东风', 'Dongfeng'),
      c('xingye', '兴业', 'Xingye'), c('cuixiang', '翠香', 'Cuixiang'), c('xiangzhoubei', '香洲北', 'Xiangzhoubei'),
    ],
  },
  {
    id: 'st-shishan', nameZh: '狮山街道', nameEn: 'Shishan Street',
    communities: [
      c('nanxiangli', '南香里', 'Nanxiangli'), c('zijing', '紫荆', 'Zijing'), c('jiaoyu', '教育', 'Jiaoyu'), c('baishi', '白石', 'Baishi'),
      c('yinhua', '银桦', 'Yinhua'), c('dongqiao', '东桥', 'Dongqiao'), c('beitang', '北堂', 'Beitang'), c('shishan', '狮山', 'Shishan'), c('yingbin', '迎宾', 'Yingbin'),
    ],
  },
  {
    id: 'st-xiangwan', nameZh: '香湾街道', nameEn: 'Xiangwan Street',
    communities: [
      c('haixia', '海霞', 'Haixia'), c('huafa', '华发', 'Huafa'), c('gangwan', '港湾', 'Gangwan'), c('xiangwan', '香湾', 'Xiangwan'), c('bitao', '碧涛', 'Bitao'),
      c('huarong', '华容', 'Huarong'), c('qinglv', '情侣', 'Qinglü'), c('xinxiangzhou', '新香洲', 'Xinxiangzhou'), c('yinxing', '银星', 'Yinxing'), c('haiyun', '海韵', 'Haiyun'),
    ],
  },
  {
    id: 'st-meihua', nameZh: '梅华街道', nameEn: 'Meihua Street',
    communities: [
      c('meihua', '梅华', 'Meihua'), c('jinding', '金鼎', 'Jinding'), c('cuiqian', '翠前', 'Cuiqian'), c('nankeng', '南坑', 'Nankeng'), c('meijie', '梅界', 'Meijie'),
      c('huaxi', '华溪', 'Huaxi'), c('chuangye', '创业', 'Chuangye'), c('yuehua', '悦华', 'Yuehua'), c('jiayuan', '嘉园', 'Jiayuan'),
    ],
  },
  {
    id: 'st-fengshan', nameZh: '凤山街道', nameEn: 'Fengshan Street',
    communities: [
      c('fengshan', '凤山', 'Fengshan'), c('fushi', '福石', 'Fushi'), c('changsha', '长沙', 'Changsha'), c('changnan', '长南', 'Changnan'),
      c('ruifeng', '瑞风', 'Ruifeng'), c('cuiping', '翠屏', 'Cuiping'), c('fengxiang', '凤祥', 'Fengxiang'), c('jiangjun', '将军山', 'Jiangjunshan'),
    ],
  },
  {
    id: 'st-nanping', nameZh: '南屏镇', nameEn: 'Nanping Town',
    communities: [
      c('nanping', '南屏', 'Nanping'), c('beishan', '北山', 'Beishan'), c('hongwan', '洪湾', 'Hongwan'), c('guangsheng', '广生', 'Guangsheng'),
      c('lianquan', '濂泉', 'Lianquan'), c('pingdong', '屏东', 'Pingdong'), c('pingxi', '屏西', 'Pingxi'), c('pingbei', '屏北', 'Pingbei'), c('xinwan', '新湾', 'Xinwan'),
    ],
  },
];

/** Every community of the district with its street, in a stable order. */
export function allCommunities(): Array<PlaceSpec & { streetId: string }> {
  return XIANGZHOU_STREETS.flatMap((s) => s.communities.map((cm) => ({ ...cm, streetId: s.id })));
}
