import type { DemoOrganization } from './types.ts'

// The public side of the exchange: its operator, the Departments of Science and Technology (DOST)
// of the Northern provinces with their technology application and transfer centres, research
// institutes, universities and a supply-demand connection point. Provinces that merged in 2025
// keep their legacy codes here (36 Nam Định, 34 Thái Bình, 35 Hà Nam, 30 Hải Dương, 24 Bắc Giang).

export const operator: DemoOrganization = {
  key: 'operator',
  kind: 'exchange_operator',
  name: 'Sàn giao dịch công nghệ các tỉnh phía Bắc',
  nameEn: 'Northern Vietnam Technology Exchange',
  shortName: 'Sàn GDCN phía Bắc',
  provinceCode: '01',
  address: '113 Trần Duy Hưng, Cầu Giấy, Hà Nội',
  email: 'vanhanh@sangiaodich.example.vn',
  phone: '024 3556 0188',
  description: 'Đơn vị vận hành sàn giao dịch công nghệ trực tuyến, kết nối các trung tâm ứng dụng và chuyển giao công nghệ của các tỉnh phía Bắc.',
}

type ProvinceBodies = {
  slug: string
  code: string
  province: string
  provinceEn: string
  centre: string
  centreShort: string
  address: string
  phone: string
  director: string
}

/**
 * The 2025 mergers of provinces, in force from 1 July 2025, where the new province's DOST is in the
 * demo: the merged province's DOST and centre pass to the new province's (Bắc Giang's and Hải
 * Dương's successors, Bắc Ninh's and Hải Phòng's, are not in the demo, so those two stay apart).
 */
export const provinceMergers = {
  effectiveOn: '2025-07-01',
  merged: [
    { from: 'nam-dinh', into: 'ninh-binh' },
    { from: 'ha-nam', into: 'ninh-binh' },
    { from: 'thai-binh', into: 'hung-yen' },
  ],
}

// One DOST and its centre per province; the centre is the DOST's public-service unit.
const provinceBodies: ProvinceBodies[] = [
  {
    slug: 'nam-dinh',
    code: '36',
    province: 'Nam Định',
    provinceEn: 'Nam Dinh',
    centre: 'Trung tâm Ứng dụng tiến bộ khoa học và công nghệ Nam Định',
    centreShort: 'TT ƯDTBKH&CN Nam Định',
    address: '325 Trần Hưng Đạo, TP. Nam Định',
    phone: '0228 3849 123',
    director: 'Nguyễn Văn An',
  },
  {
    slug: 'thai-binh',
    code: '34',
    province: 'Thái Bình',
    provinceEn: 'Thai Binh',
    centre: 'Trung tâm Ứng dụng tiến bộ khoa học và công nghệ Thái Bình',
    centreShort: 'TT ƯDTBKH&CN Thái Bình',
    address: '46 Lý Bôn, TP. Thái Bình',
    phone: '0227 3831 456',
    director: 'Trần Thị Bích Hạnh',
  },
  {
    slug: 'ha-nam',
    code: '35',
    province: 'Hà Nam',
    provinceEn: 'Ha Nam',
    centre: 'Trung tâm Thông tin và Ứng dụng khoa học công nghệ Hà Nam',
    centreShort: 'TT TT&ƯDKHCN Hà Nam',
    address: '25 Lê Hoàn, TP. Phủ Lý, Hà Nam',
    phone: '0226 3852 789',
    director: 'Lê Minh Tuấn',
  },
  {
    slug: 'phu-tho',
    code: '25',
    province: 'Phú Thọ',
    provinceEn: 'Phu Tho',
    centre: 'Trung tâm Ứng dụng và Chuyển giao công nghệ Phú Thọ',
    centreShort: 'TT ƯD&CGCN Phú Thọ',
    address: '1466 Đại lộ Hùng Vương, TP. Việt Trì, Phú Thọ',
    phone: '0210 3846 210',
    director: 'Phạm Quang Huy',
  },
  {
    slug: 'thai-nguyen',
    code: '19',
    province: 'Thái Nguyên',
    provinceEn: 'Thai Nguyen',
    centre: 'Trung tâm Ứng dụng và Chuyển giao công nghệ Thái Nguyên',
    centreShort: 'TT ƯD&CGCN Thái Nguyên',
    address: '513 Lương Ngọc Quyến, TP. Thái Nguyên',
    phone: '0208 3855 632',
    director: 'Hoàng Thị Thu Trang',
  },
  {
    slug: 'bac-giang',
    code: '24',
    province: 'Bắc Giang',
    provinceEn: 'Bac Giang',
    centre: 'Trung tâm Thông tin và Ứng dụng khoa học công nghệ Bắc Giang',
    centreShort: 'TT TT&ƯDKHCN Bắc Giang',
    address: '52 Hoàng Văn Thụ, TP. Bắc Giang',
    phone: '0204 3854 417',
    director: 'Đỗ Văn Thắng',
  },
  {
    slug: 'hai-duong',
    code: '30',
    province: 'Hải Dương',
    provinceEn: 'Hai Duong',
    centre: 'Trung tâm Ứng dụng tiến bộ khoa học và công nghệ Hải Dương',
    centreShort: 'TT ƯDTBKH&CN Hải Dương',
    address: '209 Nguyễn Lương Bằng, TP. Hải Dương',
    phone: '0220 3891 305',
    director: 'Vũ Thị Lan',
  },
  {
    slug: 'hung-yen',
    code: '33',
    province: 'Hưng Yên',
    provinceEn: 'Hung Yen',
    centre: 'Trung tâm Ứng dụng và Chuyển giao công nghệ Hưng Yên',
    centreShort: 'TT ƯD&CGCN Hưng Yên',
    address: '437 Nguyễn Văn Linh, TP. Hưng Yên',
    phone: '0221 3862 574',
    director: 'Bùi Đức Mạnh',
  },
  {
    slug: 'ninh-binh',
    code: '37',
    province: 'Ninh Bình',
    provinceEn: 'Ninh Binh',
    centre: 'Trung tâm Ứng dụng khoa học và công nghệ Ninh Bình',
    centreShort: 'TT ƯDKH&CN Ninh Bình',
    address: '18 Lê Đại Hành, TP. Hoa Lư, Ninh Bình',
    phone: '0229 3871 266',
    director: 'Đinh Công Sơn',
  },
  {
    slug: 'lao-cai',
    code: '15',
    province: 'Lào Cai',
    provinceEn: 'Lao Cai',
    centre: 'Trung tâm Thông tin và Ứng dụng khoa học công nghệ Lào Cai',
    centreShort: 'TT TT&ƯDKHCN Lào Cai',
    address: '286 Hoàng Liên, TP. Lào Cai',
    phone: '0214 3820 958',
    director: 'Lò Văn Phong',
  },
]

export const dosts: DemoOrganization[] = provinceBodies.map((body) => ({
  key: `dost-${body.slug}`,
  kind: 'authority',
  name: `Sở Khoa học và Công nghệ tỉnh ${body.province}`,
  nameEn: `${body.provinceEn} Department of Science and Technology`,
  shortName: `Sở KH&CN ${body.province}`,
  provinceCode: body.code,
  description: `Cơ quan chuyên môn thuộc UBND tỉnh ${body.province}, quản lý nhà nước về khoa học, công nghệ và đổi mới sáng tạo.`,
}))

export const centres: DemoOrganization[] = provinceBodies.map((body) => ({
  key: `centre-${body.slug}`,
  kind: 'transfer_centre',
  name: body.centre,
  nameEn: `${body.provinceEn} Centre for Technology Application and Transfer`,
  shortName: body.centreShort,
  parent: `dost-${body.slug}`,
  provinceCode: body.code,
  address: body.address,
  email: `ungdung.${body.slug.replace('-', '')}@sokhcn.example.vn`,
  phone: body.phone,
  description:
    `Đơn vị sự nghiệp trực thuộc Sở KH&CN ${body.province}: thử nghiệm, ứng dụng và chuyển giao tiến bộ kỹ thuật ` +
    'cho nông dân, hợp tác xã và doanh nghiệp trên địa bàn; sản xuất giống, chế phẩm sinh học và dịch vụ phân tích.',
  contacts: [{ name: body.director, position: 'Giám đốc', phone: body.phone }],
}))

export const institutes: DemoOrganization[] = [
  {
    key: 'viaep',
    kind: 'research_institute',
    name: 'Viện Cơ điện nông nghiệp và Công nghệ sau thu hoạch',
    nameEn: 'Vietnam Institute of Agricultural Engineering and Post-harvest Technology',
    shortName: 'VIAEP',
    provinceCode: '01',
    address: '54 Ngõ 102 Trường Chinh, Đống Đa, Hà Nội',
    phone: '024 3868 9384',
    description: 'Nghiên cứu, chế tạo máy nông nghiệp và công nghệ bảo quản, chế biến nông sản sau thu hoạch.',
    contacts: [{ name: 'Ngô Thị Hồng Nhung', position: 'Trưởng phòng Chuyển giao công nghệ', email: 'cgcn@viaep.example.vn' }],
  },
  {
    key: 'agi',
    kind: 'research_institute',
    name: 'Viện Di truyền Nông nghiệp',
    nameEn: 'Agricultural Genetics Institute',
    shortName: 'AGI',
    provinceCode: '01',
    address: 'Đường Phạm Văn Đồng, Bắc Từ Liêm, Hà Nội',
    phone: '024 3754 4712',
    description: 'Nghiên cứu công nghệ sinh học, chọn tạo giống cây trồng và chế phẩm vi sinh phục vụ sản xuất nông nghiệp.',
    contacts: [{ name: 'Phan Văn Khánh', position: 'Phó Viện trưởng', email: 'khanh.pv@agi.example.vn' }],
  },
  {
    key: 'iet',
    kind: 'research_institute',
    name: 'Viện Công nghệ môi trường',
    nameEn: 'Institute of Environmental Technology',
    shortName: 'IET',
    provinceCode: '01',
    address: '18 Hoàng Quốc Việt, Cầu Giấy, Hà Nội',
    phone: '024 3756 9136',
    description: 'Thuộc Viện Hàn lâm KH&CN Việt Nam; nghiên cứu công nghệ xử lý nước thải, chất thải rắn, khí thải và năng lượng sạch.',
    contacts: [{ name: 'Đặng Thị Minh Huệ', position: 'Trưởng phòng Ứng dụng', email: 'ungdung@iet.example.vn' }],
  },
]

export const universities: DemoOrganization[] = [
  {
    key: 'vnua',
    kind: 'university',
    name: 'Học viện Nông nghiệp Việt Nam',
    nameEn: 'Vietnam National University of Agriculture',
    shortName: 'VNUA',
    provinceCode: '01',
    address: 'Trâu Quỳ, Gia Lâm, Hà Nội',
    website: 'https://vnua.edu.vn',
    description: 'Đào tạo và nghiên cứu trong nông nghiệp, thú y, công nghệ thực phẩm, môi trường; có nhiều giống cây trồng và quy trình đã chuyển giao.',
    contacts: [{ name: 'Nguyễn Thị Thu Hà', position: 'Trung tâm Đổi mới sáng tạo', email: 'doimoi@vnua.example.vn' }],
  },
  {
    key: 'hust',
    kind: 'university',
    name: 'Đại học Bách khoa Hà Nội',
    nameEn: 'Hanoi University of Science and Technology',
    shortName: 'HUST',
    provinceCode: '01',
    address: '1 Đại Cồ Việt, Hai Bà Trưng, Hà Nội',
    website: 'https://hust.edu.vn',
    description: 'Đại học kỹ thuật đa ngành; chuyển giao công nghệ cơ khí, điện, tự động hoá, công nghệ thông tin, hoá học và thực phẩm.',
    contacts: [{ name: 'Trịnh Quốc Bảo', position: 'Ban Khoa học Công nghệ', email: 'chuyengiao@hust.example.vn' }],
  },
  {
    key: 'tnu',
    kind: 'university',
    name: 'Đại học Thái Nguyên',
    nameEn: 'Thai Nguyen University',
    shortName: 'TNU',
    provinceCode: '19',
    address: 'Phường Tân Thịnh, TP. Thái Nguyên',
    website: 'https://tnu.edu.vn',
    description: 'Đại học vùng trung du miền núi phía Bắc; thế mạnh về chè, cây dược liệu, lâm nghiệp và y dược.',
    contacts: [{ name: 'Ma Thị Hương', position: 'Ban KHCN và Hợp tác quốc tế', email: 'khcn@tnu.example.vn' }],
  },
]

export const connectionPoints: DemoOrganization[] = [
  {
    key: 'connection-ninh-binh',
    kind: 'connection_point',
    name: 'Điểm kết nối cung cầu công nghệ tỉnh Ninh Bình',
    nameEn: 'Ninh Binh Technology Supply-Demand Connection Point',
    shortName: 'Điểm KNCC Ninh Bình',
    parent: 'dost-ninh-binh',
    provinceCode: '37',
    address: '18 Lê Đại Hành, TP. Hoa Lư, Ninh Bình',
    phone: '0229 3871 799',
    description: 'Tiếp nhận nhu cầu công nghệ của doanh nghiệp trong tỉnh (gồm địa bàn Nam Định, Hà Nam cũ) và giới thiệu nguồn cung phù hợp.',
    contacts: [{ name: 'Trương Thị Ngọc', position: 'Cán bộ kết nối', email: 'ketnoi@ninhbinh.example.vn' }],
    // It may propose to act for members of its province, in any sector.
    delegationScope: { provinceCodes: ['37'], sectors: [] },
  },
]
