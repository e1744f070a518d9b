import { defineFeaProject } from '@facial-r1/vitest-config';

export default defineFeaProject('spec');
