from . import test_asm_groups
