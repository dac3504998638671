import type { Domain } from './need.ts'
import type { Random } from './text.ts'

// Invented organisations; any likeness to a real body is chance. About a third file a legacy
// (pre-2025, 63-province) code, which the API keeps as filed and resolves to the 2025 unit.

export type GeneratedOrganization = { key: string; kind: string; name: string; provinceCode: string; domains: Domain[] | 'all'; files: 'listings' | 'demands' }

// Current (2025) codes, and legacy codes that name a unit that no longer exists under that code.
export const currentCodes = ['01', '04', '19', '22', '24', '31', '33', '37', '38', '40', '46', '48', '51', '56', '66', '68', '75', '79', '86', '91', '92', '96']
export const legacyCodes = [
  '02',
  '06',
  '10',
  '17',
  '26',
  '30',
  '34',
  '35',
  '36',
  '45',
  '49',
  '54',
  '58',
  '60',
  '62',
  '64',
  '67',
  '70',
  '74',
  '77',
  '83',
  '84',
  '87',
  '89',
  '93',
  '94',
  '95',
]

const suppliers: [string, string, Domain[] | 'all'][] = [
  ['research_institute', 'Viện Bảo vệ Thực vật Phía Nam', ['agriculture']],
  ['research_institute', 'Viện Cây ăn quả Miền Nam', ['agriculture', 'food']],
  ['research_institute', 'Viện Khoa học Nông nghiệp Tây Nguyên', ['agriculture', 'mechanics']],
  ['research_institute', 'Viện Chăn nuôi và Thú y Bắc Trung Bộ', ['livestock']],
  ['research_institute', 'Viện Nghiên cứu Nuôi trồng Thủy sản Ven biển', ['aquaculture']],
  ['research_institute', 'Viện Công nghệ Sau thu hoạch', ['food', 'mechanics']],
  ['research_institute', 'Viện Môi trường và Tài nguyên Nước', ['environment']],
  ['research_institute', 'Viện Năng lượng Sạch', ['energy']],
  ['research_institute', 'Viện Cơ khí Nông nghiệp và Chế tạo máy', ['mechanics']],
  ['research_institute', 'Viện Vật liệu Xây dựng và Polymer', ['materials', 'construction']],
  ['research_institute', 'Viện Công nghệ Thông tin Ứng dụng', ['it']],
  ['research_institute', 'Viện Dược liệu và Y học Cộng đồng', ['health']],
  ['research_institute', 'Viện Khoa học Công nghệ Xây dựng Miền Trung', ['construction']],
  ['university', 'Trường Đại học Nông Lâm Cao Nguyên', ['agriculture', 'livestock', 'mechanics']],
  ['university', 'Trường Đại học Thủy sản Duyên hải', ['aquaculture', 'food']],
  ['university', 'Trường Đại học Bách khoa Sông Hồng', ['energy', 'mechanics', 'materials', 'it', 'environment']],
  ['university', 'Trường Đại học Kỹ thuật Cửu Long', ['environment', 'energy', 'construction', 'aquaculture']],
  ['university', 'Trường Đại học Y Dược Duyên hải', ['health']],
  ['university', 'Trường Đại học Kiến trúc và Xây dựng Phương Nam', ['construction', 'materials']],
  ['university', 'Trường Đại học Công nghệ Thực phẩm Sài Thành', ['food']],
  ['transfer_centre', 'Trung tâm Ứng dụng Tiến bộ Khoa học và Công nghệ Đồng Bằng', 'all'],
  ['transfer_centre', 'Trung tâm Chuyển giao Công nghệ và Khuyến nông Miền Trung', ['agriculture', 'livestock', 'aquaculture', 'food']],
  ['transfer_centre', 'Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Vùng 5', ['food', 'health', 'materials']],
  ['transfer_centre', 'Trung tâm Tiết kiệm Năng lượng và Môi trường', ['energy', 'environment']],
  ['transfer_centre', 'Trung tâm Đổi mới Sáng tạo Tây Bắc', 'all'],
  ['transfer_centre', 'Trung tâm Thông tin và Thống kê Khoa học Công nghệ Nam Bộ', ['it', 'health']],
  ['enterprise', 'Công ty CP Công nghệ Sinh học Xanh Việt', ['agriculture', 'livestock', 'aquaculture', 'environment']],
  ['enterprise', 'Công ty TNHH Cơ khí Chế tạo Phú Thịnh', ['mechanics', 'food', 'energy']],
  ['enterprise', 'Công ty CP Môi trường Thuận Phát', ['environment']],
  ['enterprise', 'Công ty TNHH Năng lượng Mặt trời Ánh Dương', ['energy']],
  ['enterprise', 'Công ty CP Phần mềm Sao Khuê Số', ['it', 'health']],
  ['enterprise', 'Công ty TNHH Vật liệu Mới Hòa Bình', ['materials', 'construction']],
  ['enterprise', 'Công ty CP Thiết bị Y tế Phương Đông', ['health']],
  ['enterprise', 'Công ty TNHH Tự động hóa Hưng Long', ['mechanics', 'it', 'energy']],
  ['enterprise', 'Công ty CP Thủy sản Công nghệ cao Biển Đông', ['aquaculture']],
  ['enterprise', 'Công ty CP Xây dựng và Nền móng Vững Bền', ['construction']],
]

const demanders = [
  'Hợp tác xã Nông nghiệp Tân Phú',
  'Hợp tác xã Dịch vụ Nông nghiệp Phước Hưng',
  'Công ty TNHH Nông sản Đồng Xanh',
  'Công ty CP Chăn nuôi Thành Công',
  'Hợp tác xã Thủy sản Bình Minh',
  'Công ty TNHH Thực phẩm Hương Quê',
  'Công ty CP Dệt nhuộm Phong Phú Mới',
  'Công ty CP Chế biến Hải sản Sao Biển',
  'Công ty TNHH Bao bì An Khang',
  'Công ty CP Xây dựng Đô thị Phú Mỹ',
  'Công ty TNHH May mặc Tiến Đạt',
  'Công ty CP Cấp nước Thị xã Hồng Lĩnh',
  'Công ty TNHH Gỗ Mỹ nghệ Đồng Kỵ',
  'Hợp tác xã Cà phê Ea Tu',
  'Công ty CP Nhiệt điện và Vật liệu Cẩm Phả',
  'Công ty TNHH Logistics Bắc Nam',
  'Bệnh viện Đa khoa Huyện Yên Thành',
  'Trung tâm Y tế Huyện Krông Pắc',
  'Công ty CP Điều Bình Phước Xanh',
  'Công ty TNHH Cơ khí Xe đạp Thống Nhất Mới',
  'Hợp tác xã Dược liệu Núi Ngọc',
  'Công ty CP Khách sạn Biển Ngọc',
  'Công ty TNHH Giao hàng Nhanh Phố',
  'Công ty CP Lâm nghiệp Hòa Sơn',
  'Hợp tác xã Vải thiều Thanh Hà Mới',
  'Công ty CP Bia Sông Lam',
  'Công ty TNHH Gạch Men Hoàng Gia',
  'Công ty CP Bảo hiểm Nông nghiệp Phú An',
  'Hợp tác xã Nuôi ong Mộc Châu Mới',
  'Công ty CP Giấy Tân Mai Mới',
  'Công ty TNHH Nhựa Gia dụng Đại Đồng',
  'Công ty CP Bảo trì Đường bộ Số 5',
]

export function makeOrganizations(random: Random): GeneratedOrganization[] {
  const organizations: GeneratedOrganization[] = []
  const code = () => (random.chance(0.35) ? random.pick(legacyCodes) : random.pick(currentCodes))
  for (const [kind, name, domains] of suppliers) organizations.push({ key: '', kind, name, provinceCode: code(), domains, files: 'listings' })
  for (const name of demanders) organizations.push({ key: '', kind: 'enterprise', name, provinceCode: code(), domains: 'all', files: 'demands' })
  organizations.forEach((organization, i) => (organization.key = `O${String(i + 1).padStart(2, '0')}`))
  return organizations
}
