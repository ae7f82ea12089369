from zhengai.cli import main

main()
