import { agriculture, food } from './agrifood.ts'
import { energy, environment } from './environment-energy.ts'
import { health, it, mechanics } from './industry-health.ts'
import type { Domain } from './types.ts'

export type { Domain, Term } from './types.ts'

export const domains: readonly Domain[] = [agriculture, food, environment, energy, mechanics, it, health]

/** Who writes listings and demands, named in descriptions. */
export const audiences = [
  'hợp tác xã',
  'doanh nghiệp nhỏ và vừa',
  'trang trại quy mô vừa',
  'nhà máy chế biến',
  'khu công nghiệp',
  'cơ sở sản xuất làng nghề',
  'bệnh viện tuyến tỉnh',
  'đơn vị sự nghiệp công lập',
  'hộ nông dân',
  'doanh nghiệp xuất khẩu',
]

export const qualifiers = [
  'quy mô công nghiệp',
  'quy mô nông hộ',
  'chi phí thấp',
  'thân thiện môi trường',
  'đạt tiêu chuẩn xuất khẩu',
  'công suất lớn',
  'thế hệ mới',
  'tự động hóa',
]
